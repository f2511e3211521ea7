"""One 15-s scheduler slot for 1,000,000 terminals on starlink-gen1: batch decisions + satellite/beam assignment
+ RTT to PoP (over ISLs and fibre). Target (issue 5): < 15 s per slot on one core, i.e. real time.
Baseline named in the output: the slot period itself (15 s) — the ratio says how much faster than real time.

    .venv/bin/python benchmarks/bench_slot.py [--terminals 1000000] [--slots 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

import numpy as np

from leonet.access.borders import borders
from leonet.access.context import hypothetical_context
from leonet.access.policy import country_status_array
from leonet.access.seed import licensing_rows
from leonet.scenario import Scenario
from leonet.sim.engine import Simulation


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--terminals", type=int, default=1_000_000)
    ap.add_argument("--slots", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(5)
    # Terminals on land between 56° S and 56° N (where shell coverage is dense), area-uniform.
    b = borders()
    lat = np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(-56)), np.sin(np.radians(56)), args.terminals * 4)))
    lon = rng.uniform(-180, 180, lat.size)
    land = b.index_batch(lat, lon) != b.sea_index
    lat, lon = lat[land][: args.terminals], lon[land][: args.terminals]
    t0 = time.perf_counter()
    sc = Scenario.model_validate({
        "name": "bench", "start": datetime(2026, 3, 1, tzinfo=UTC), "control_plane": "none",
        "location_check": {"enabled": False},
        "terminals": [{"serial": f"ut{i:07d}", "lat_deg": float(a), "lon_deg": float(o)}
                      for i, (a, o) in enumerate(zip(lat, lon, strict=True))],
    })
    sim = Simulation(sc, record=False)
    base = sim.context(sc.start)
    base.country_status = country_status_array({r["iso_a2"]: r["status"] for r in licensing_rows()})
    ctx = hypothetical_context(base, "roam", sim.serials_arr, lat, lon)
    sim.context = lambda when: ctx  # every terminal has an active roam account
    setup = time.perf_counter() - t0
    times = []
    for _ in range(args.slots):
        t1 = time.perf_counter()
        sim.step()
        times.append(time.perf_counter() - t1)
    st = sim.slot_state()
    served = st.served
    per = statistics.median(times)
    net = sim.network()
    print(f"{len(lat):,} terminals on starlink-gen1 ({net.num_sats} satellites), "
          f"{len(net.gateway_names)} gateways, {len(net.pop_names)} PoPs; set-up {setup:.0f} s")
    print(f"slot time: {per:.2f} s (median of {args.slots}: {', '.join(f'{t:.2f}' for t in times)}); "
          f"target < 15 s")
    print(f"ratio: {15.0 / per:.1f}× faster than real time (baseline: the 15-s slot period)")
    print(f"authorized {int((st.code == 1).sum()):,}, served {int(served.sum()):,}, capacity-limited "
          f"{int((st.reason == 3).sum()):,}, no satellite {int((st.reason == 2).sum()):,}; "
          f"median RTT to PoP {np.nanmedian(st.rtt_ms):.1f} ms")


if __name__ == "__main__":
    main()
