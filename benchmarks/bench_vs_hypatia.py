"""leonet against Hypatia's own satgenpy, side by side on the same inputs: speed and answers.

Hypatia (https://github.com/snkas/hypatia, MIT) is not a dependency and is not vendored: give the path of a
checkout. satgenpy imports all of `pip install exputil ephem astropy geopy networkx statsmodels cartopy`.

    .venv/bin/python benchmarks/bench_vs_hypatia.py --hypatia /path/to/hypatia [--steps 10]

Inputs, all written by Hypatia's own generators as in its paper's `main_starlink_550.py`: Starlink shell 1 (72 × 22,
550 km, 53°, TLEs from `generate_tles_from_scratch_manual`, epoch 2000-01-01), +Grid ISLs, the 100 most populous
cities, ground–satellite links up to its MAX_GSL_LENGTH_M, algorithm "free one only over ISLs" (ground stations
never relay). leonet reads the very same TLE, ISL and ground-station files (`--tles`, `--isls FILE`,
`--max-gsl-range-km`). Reported:

- time per 100-ms step of Hypatia's `generate_dynamic_state_at` (its forwarding state for every ground-station
  pair) against leonet's `iter_route_chunks` (RTT, hops and path of all 4,950 pairs), single process, and the ratio;
- the whole `leonet routes` command as a user runs it (start-up, compute, writing the file; `--out-format`
  csv or parquet) on the same files, 200 steps, as a child process: wall and CPU time per step and the ratios
  (CPU time is the fairer figure on a shared machine; both are printed);
- agreement: for every pair and step, the RTT of Hypatia's path as Hypatia computes it
  (`compute_path_length_without_graph`, PyEphem positions) against leonet's RTT; and how often the paths are the
  same node sequence (ties between equal-length +Grid paths may be broken differently).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

# Hypatia's parameters for Starlink shell 1 (paper/satellite_networks_state/main_starlink_550.py)
EARTH_RADIUS_M = 6378135.0
ALTITUDE_M = 550000
MAX_GSL_LENGTH_M = math.sqrt(940700.0 ** 2 + ALTITUDE_M ** 2)
MAX_ISL_LENGTH_M = 2 * math.sqrt((EARTH_RADIUS_M + ALTITUDE_M) ** 2 - (EARTH_RADIUS_M + 80000) ** 2)
C_M_S = 299792458.0


def hypatia_inputs(satgen, hypatia: Path, out: Path) -> None:
    satgen.extend_ground_stations(
        str(hypatia / "paper/satellite_networks_state/input_data/"
                      "ground_stations_cities_sorted_by_estimated_2025_pop_top_100.basic.txt"),
        str(out / "ground_stations.txt"))
    satgen.generate_tles_from_scratch_manual(str(out / "tles.txt"), "Starlink-550", 72, 22, True, 53, 0.0000001, 0.0,
                                             15.19)
    satgen.generate_plus_grid_isls(str(out / "isls.txt"), 72, 22, isl_shift=0, idx_offset=0)
    satgen.generate_simple_gsl_interfaces_info(str(out / "gsl_interfaces_info.txt"), 72 * 22, 100, 1, 1, 1, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hypatia", type=Path, required=True, help="Path of a Hypatia checkout (has satgenpy/).")
    ap.add_argument("--steps", type=int, default=5, help="100-ms steps to run in both (Hypatia: ~10 s each).")
    ap.add_argument("--leonet-steps", type=int, default=200, help="Steps to time leonet over.")
    ap.add_argument("--out-format", default="parquet", choices=["csv", "parquet"],
                    help="Output of the whole-command run.")
    ap.add_argument("--command-runs", type=int, default=3, help="Whole-command runs (median reported).")
    args = ap.parse_args()
    sys.path.insert(0, str(args.hypatia / "satgenpy"))
    import satgen
    from satgen.dynamic_state.generate_dynamic_state import generate_dynamic_state_at
    from satgen.post_analysis.graph_tools import compute_path_length_without_graph, get_path

    from leonet.network.latency import compute_chunk, iter_route_chunks
    from leonet.network.setup import build_route_job

    work = Path(tempfile.mkdtemp(prefix="leonet-vs-hypatia-"))
    hypatia_inputs(satgen, args.hypatia, work)
    ground_stations = satgen.read_ground_stations_extended(str(work / "ground_stations.txt"))
    tles = satgen.read_tles(str(work / "tles.txt"))
    satellites, epoch = tles["satellites"], tles["epoch"]
    list_isls = satgen.read_isls(str(work / "isls.txt"), len(satellites))
    gsl_info = satgen.read_gsl_interfaces_info(str(work / "gsl_interfaces_info.txt"), len(satellites),
                                               len(ground_stations))
    (work / "dyn").mkdir()
    n_sat, n_gs = len(satellites), len(ground_stations)

    # Hypatia: its forwarding state at each step
    hyp_ms, fstates, prev = [], [], None
    hyp_cpu_ms = []
    for k in range(args.steps):
        t_ns = k * 100_000_000
        c0 = time.process_time()
        t0 = time.perf_counter()
        prev = generate_dynamic_state_at(str(work / "dyn"), epoch, t_ns, satellites, ground_stations, list_isls,
                                         gsl_info, MAX_GSL_LENGTH_M, MAX_ISL_LENGTH_M,
                                         "algorithm_free_one_only_over_isls", prev, False)
        hyp_ms.append((time.perf_counter() - t0) * 1000)
        hyp_cpu_ms.append((time.process_time() - c0) * 1000)
        fstates.append({key: (v[0] if isinstance(v, tuple) else v) for key, v in prev["fstate"].items()})
        print(f"hypatia step {k}: {hyp_ms[-1]:.0f} ms", flush=True)

    # leonet on the same files
    with open(work / "gs.csv", "w") as f:
        f.write("name,lat_deg,lon_deg,alt_m\n")
        for g in ground_stations:
            f.write(f"{g['name'].replace(',', ' ').replace('-', ' ')}_{g['gid']},{g['latitude_degrees_str']},"
                    f"{g['longitude_degrees_str']},{g['elevation_m_float']}\n")
    job = build_route_job(preset=None, tles=work / "tles.txt", ground_stations=work / "gs.csv",
                          isls=str(work / "isls.txt"), max_gsl_range_km=MAX_GSL_LENGTH_M / 1000.0,
                          start="2000-01-01T00:00:00Z", duration=args.leonet_steps * 0.1, step=0.1)
    assert job.grid.start == datetime(2000, 1, 1, tzinfo=UTC) and len(job.src) == n_gs * (n_gs - 1) // 2
    compute_chunk(job, 0, 2)  # warm-up
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in iter_route_chunks(job, 50):  # serial, trees carried from chunk to chunk, as `leonet routes`
            pass
        runs.append((time.perf_counter() - t0) * 1000 / args.leonet_steps)
    leo_ms = statistics.median(runs)
    table = compute_chunk(job, 0, args.steps).to_pydict()

    # The whole command, as a user runs it
    import resource
    import shutil
    import subprocess

    leonet_bin = shutil.which("leonet") or str(Path(sys.executable).parent / "leonet")
    cmd = [leonet_bin, "routes", "--tles", str(work / "tles.txt"), "--ground-stations", str(work / "gs.csv"),
           "--isls", str(work / "isls.txt"), "--max-gsl-range-km", str(MAX_GSL_LENGTH_M / 1000.0),
           "--start", "2000-01-01T00:00:00Z", "--duration", str(args.leonet_steps * 0.1), "--step", "0.1",
           "--out", str(work / f"routes.{args.out_format}")]
    cmd_wall, cmd_cpu = [], []
    for _ in range(args.command_runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        cmd_wall.append((time.perf_counter() - t0) * 1000 / args.leonet_steps)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cmd_cpu.append(((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000
                       / args.leonet_steps)

    # Agreement, pair by pair
    diffs, same_path, both_unreachable, mismatch_reach = [], 0, 0, 0
    p = len(job.src)
    for k in range(args.steps):
        for i in range(p):
            row = k * p + i
            a, b = int(job.src[i]), int(job.dst[i])
            path = get_path(n_sat + a, n_sat + b, fstates[k])
            ours = table["rtt_ms"][row]
            if path is None or ours is None:
                both_unreachable += path is None and ours is None
                mismatch_reach += (path is None) != (ours is None)
                continue
            there = compute_path_length_without_graph(path, epoch, k * 100_000_000, satellites, ground_stations,
                                                      list_isls, MAX_GSL_LENGTH_M, MAX_ISL_LENGTH_M)
            diffs.append(ours - 2 * there / C_M_S * 1000)
            hyp_nodes = [str(x) for x in path[1:-1]]
            same_path += table["path"][row].split("-")[1:-1] == hyp_nodes
    d = np.abs(np.array(diffs))
    print(f"\nStarlink shell 1 (1,584 satellites, +Grid), 100 cities, {p} pairs, {args.steps} steps of 100 ms, "
          f"GSL ≤ {MAX_GSL_LENGTH_M / 1000:.1f} km, ground stations never relay")
    print(f"hypatia satgenpy: {statistics.median(hyp_ms):,.0f} ms per step (median of {args.steps}; forwarding "
          f"state only, RTTs need a further pass)")
    print(f"leonet:           {leo_ms:.1f} ms per step (median of 3 × {args.leonet_steps} steps; RTT, hops, path)")
    print(f"ratio: {statistics.median(hyp_ms) / leo_ms:,.0f}× faster than Hypatia on this machine")
    hw, hc = statistics.median(hyp_ms), statistics.median(hyp_cpu_ms)
    cw, cc = statistics.median(cmd_wall), statistics.median(cmd_cpu)
    print(f"whole `leonet routes` command ({args.leonet_steps} steps, .{args.out_format}, median of "
          f"{args.command_runs}): {cw:.1f} ms/step wall, {cc:.1f} ms/step CPU; Hypatia {hw:,.0f} ms wall, "
          f"{hc:,.0f} ms CPU per step → {hw / cw:,.0f}× (wall), {hc / cc:,.0f}× (CPU); target 1,000×")
    print(f"agreement over {len(diffs):,} pair-steps: |ΔRTT| median {np.median(d) * 1000:.2f} µs, "
          f"p99 {np.percentile(d, 99) * 1000:.2f} µs, max {d.max() * 1000:.2f} µs "
          f"(Hypatia's RTT of its own path, PyEphem positions); leonet's RTT ≤ Hypatia's + 1 µs in "
          f"{np.mean(np.array(diffs) <= 1e-3) * 100:.2f}%")
    print(f"same node path: {same_path / max(len(diffs), 1) * 100:.1f}%; unreachable in both: {both_unreachable}; "
          f"reachable in only one: {mismatch_reach}")


if __name__ == "__main__":
    main()
