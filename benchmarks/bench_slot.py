"""One 15-s scheduler slot for many terminals, everything on: batch decisions, candidates (network.gsl), satellite
and beam assignment, routing to each terminal's PoP over ISLs and the shipped ground segment, location checks,
telemetry recording (Arrow table + the store's telemetry rows). Target (issue 10): < 15 s per slot for 1,000,000
terminals on one core. Baseline named in the output: the slot period itself (15 s).

    .venv/bin/python benchmarks/bench_slot.py [--terminals 100000 1000000] [--source starlink-gen1 starlink-latest]
        [--slots 3] [--store-rows]
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
from leonet.access.seed import statuses_at
from leonet.scenario import Scenario, TerminalSpec
from leonet.sim.engine import Simulation

TARGET_S = 15.0


def land_points(n: int, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Terminals on land between 56° S and 56° N (where shell coverage is dense), area-uniform."""
    rng = np.random.default_rng(seed)
    b = borders()
    lat = np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(-56)), np.sin(np.radians(56)), n * 4)))
    lon = rng.uniform(-180, 180, lat.size)
    land = b.index_batch(lat, lon) != b.sea_index
    return lat[land][:n], lon[land][:n]


def run(n: int, source: str, slots: int, db: bool) -> None:
    lat, lon = land_points(n)
    t0 = time.perf_counter()
    network = {"tles": source} if source == "starlink-latest" else {"constellation": source}
    start = datetime(2026, 5, 13, tzinfo=UTC) if source == "starlink-latest" else datetime(2026, 3, 1, tzinfo=UTC)
    terms = [TerminalSpec.model_construct(serial=f"ut{i:07d}", lat_deg=float(a), lon_deg=float(o), alt_m=0.0,
                                          track=[], speed_kmh=0.0, loop=True, gps="true", spoof_lat_deg=None,
                                          spoof_lon_deg=None, demand_mbps=50.0, label="")
             for i, (a, o) in enumerate(zip(lat, lon, strict=True))]
    sc = Scenario.model_validate({"name": "bench", "start": start, "control_plane": "none", "network": network,
                                  "terminals": [], "telemetry_store_max_terminals": n if db else 0}
                                 ).model_copy(update={"terminals": terms})
    sim = Simulation(sc, record=True)
    base = sim.context(sc.start)
    base.country_status = country_status_array(statuses_at(datetime(2026, 3, 1, tzinfo=UTC)))
    ctx = hypothetical_context(base, "roam", sim.serials_arr, lat, lon)
    sim.context = lambda when: ctx  # every terminal has an active roam account
    sim.step()  # first slot: warms caches (borders, k-d trees); not timed
    setup = time.perf_counter() - t0
    sim.stage_s.clear()
    times = []
    for _ in range(slots):
        t1 = time.perf_counter()
        sim.step()
        times.append(time.perf_counter() - t1)
    st = sim.slot_state()
    per = statistics.median(times)
    net = sim.network()
    print(f"\n{len(lat):,} terminals on {source} ({net.num_sats:,} satellites, {len(net.isl_edges):,} ISLs), "
          f"{len(net.gateway_names)} gateways, {len(net.pop_names)} PoPs; location checks on, recording on "
          f"({'Arrow + store rows' if sim.telemetry.sessions else 'Arrow table of every row'}); set-up {setup:.0f} s")
    print(f"slot time: {per:.2f} s (median of {slots}: {', '.join(f'{t:.2f}' for t in times)}); "
          f"target < {TARGET_S:.0f} s; ratio to target {per / TARGET_S:.2f} "
          f"({TARGET_S / per:.1f}x faster than real time)")
    print("by stage (mean per slot): " + ", ".join(f"{k} {v / slots:.2f} s" for k, v in sim.stage_s.items()))
    served = st.served
    print(f"authorized {int((st.code == 1).sum()):,}, served {int(served.sum()):,}, capacity-limited "
          f"{int((st.reason == 3).sum()):,}, no satellite {int((st.reason == 2).sum()):,}; "
          f"median RTT to PoP {np.nanmedian(st.rtt_ms):.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--terminals", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--source", nargs="+", default=["starlink-gen1", "starlink-latest"])
    ap.add_argument("--slots", type=int, default=3)
    ap.add_argument("--store-rows", action="store_true",
                    help="also insert every row into the store's telemetry table (default: the scenario's limit)")
    args = ap.parse_args()
    for source in args.source:
        for n in args.terminals:
            run(n, source, args.slots, args.store_rows)


if __name__ == "__main__":
    main()
