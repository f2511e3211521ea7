"""Reference state from Hypatia's satgenpy for tests/data/hypatia_small (run from hypatia/satgenpy)."""
import math
import os
import sys

sys.path.insert(0, ".")
import satgen

out = sys.argv[1]
os.makedirs(out + "/dynamic_state", exist_ok=True)
with open(out + "/ground_stations_basic.txt", "w") as f:
    for gid, (name, lat, lon) in enumerate([("Kyiv", 50.45, 30.52), ("Warsaw", 52.23, 21.01), ("Berlin", 52.52, 13.40),
                                            ("London", 51.51, -0.13), ("Madrid", 40.42, -3.70)]):
        f.write(f"{gid},{name},{lat},{lon},0.0\n")
satgen.extend_ground_stations(out + "/ground_stations_basic.txt", out + "/ground_stations.txt")
satgen.generate_tles_from_scratch_manual(out + "/tles.txt", "Small", 12, 12, True, 53, 0.0000001, 0.0, 15.19)
satgen.generate_plus_grid_isls(out + "/isls.txt", 12, 12, isl_shift=0, idx_offset=0)
satgen.generate_simple_gsl_interfaces_info(out + "/gsl_interfaces_info.txt", 144, 5, 1, 1, 1, 1)
max_gsl = 2_500_000.0
max_isl = 2 * math.sqrt((6378135.0 + 550000) ** 2 - (6378135.0 + 80000) ** 2)
satgen.generate_description(out + "/description.txt", max_gsl, max_isl)
tles = satgen.read_tles(out + "/tles.txt")
gss = satgen.read_ground_stations_extended(out + "/ground_stations.txt")
isls = satgen.read_isls(out + "/isls.txt", 144)
info = satgen.read_gsl_interfaces_info(out + "/gsl_interfaces_info.txt", 144, 5)
from satgen.dynamic_state.generate_dynamic_state import generate_dynamic_state_at  # noqa: E402

prev = None
for t_ns in range(0, 3_000_000_000, 1_000_000_000):  # generate_dynamic_state's progress print needs >= 10 steps
    prev = generate_dynamic_state_at(out + "/dynamic_state", tles["epoch"], t_ns, tles["satellites"], gss, isls, info,
                                     max_gsl, max_isl, "algorithm_free_one_only_over_isls", prev, False)
