"""Routing at scale: ms per 100-ms step and peak RSS for the 100 most populous cities (all 4,950 pairs) on
constellations of 1,584 to 34,396 satellites, and the growth exponent of time per step with satellite count.

Each size runs in its own process (so peak RSS is that size's own), over ``--steps`` steps in 50-step chunks
exactly as ``leonet routes`` computes them (positions, ground links, carried shortest-path trees, paths, table).

    .venv/bin/python benchmarks/bench_scale.py [--steps 100] [--sizes starlink-shell1,starlink-gen1,...]

Targets (issue 14): full Gen1 ≤ 3 × shell 1 per step; ~34k satellites ≤ 1 s per step; peak RSS flat over duration
(checked by running the largest size twice as long) and ≤ 2 GB at ~34k. Baseline for the ratios: shell 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import numpy as np

SIZES = ["starlink-shell1", "starlink-gen1", "starlink-gen2a", "starlink-all"]


def one(preset_name: str, steps: int) -> dict:
    import resource
    import time
    from importlib import resources

    from leonet.ground.sites import read_sites_csv
    from leonet.network.gsl import GslPolicy
    from leonet.network.isl import plus_grid
    from leonet.network.latency import RouteJob, all_pairs, iter_route_chunks
    from leonet.orbits.presets import preset
    from leonet.orbits.timegrid import TimeGrid

    sites = read_sites_csv(resources.files("leonet") / "data" / "cities_top100.csv")
    c = preset(preset_name)
    src, dst = all_pairs(len(sites))
    job = RouteJob(c, sites, plus_grid(c), GslPolicy(), src, dst, TimeGrid(c.epoch, 0.1, steps))
    t0, c0 = time.perf_counter(), time.process_time()
    rows = sum(t.num_rows for t in iter_route_chunks(job, 50))
    wall = (time.perf_counter() - t0) * 1000 / steps
    cpu = (time.process_time() - c0) * 1000 / steps
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"preset": preset_name, "sats": c.num_sats, "steps": steps, "rows": rows, "ms_wall": wall,
            "ms_cpu": cpu, "rss_mb": rss_mb}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--sizes", default=",".join(SIZES))
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.steps)))
        return
    results = []
    runs = [(name, args.steps) for name in args.sizes.split(",")]
    runs.append((runs[-1][0], 2 * args.steps))  # the largest again, twice as long: RSS must not grow
    for name, steps in runs:
        out = subprocess.run([sys.executable, __file__, "--one", name, "--steps", str(steps)], check=True,
                             capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        r = results[-1]
        print(f"{r['preset']:18s} {r['sats']:6d} sats  {r['steps']:4d} steps  {r['ms_wall']:8.1f} ms/step wall  "
              f"{r['ms_cpu']:8.1f} ms/step CPU  peak RSS {r['rss_mb']:7.0f} MB", flush=True)
    sizes = results[:-1]
    base = sizes[0]
    for r in sizes[1:]:
        print(f"{r['preset']}: {r['ms_cpu'] / base['ms_cpu']:.2f}× shell 1 per step (CPU)")
    sats = np.log([r["sats"] for r in sizes])
    ms = np.log([r["ms_cpu"] for r in sizes])
    slope = np.polyfit(sats, ms, 1)[0]
    print(f"growth exponent (log-log fit of CPU ms/step against satellites): {slope:.2f}")
    gen1 = next((r for r in sizes if r["preset"] == "starlink-gen1"), None)
    if gen1:
        print(f"target full Gen1 ≤ 3× shell 1: {gen1['ms_cpu'] / base['ms_cpu']:.2f}×")
    big, longer = sizes[-1], results[-1]
    label = "~34k" if big["sats"] >= 30_000 else f"{big['sats']:,} sats (the ~34k target needs starlink-all)"
    print(f"target {label} ≤ 1,000 ms/step: {big['ms_wall']:.0f} ms wall, {big['ms_cpu']:.0f} ms CPU; "
          f"peak RSS {big['rss_mb']:.0f} MB over {big['steps']} steps, {longer['rss_mb']:.0f} MB over "
          f"{longer['steps']} steps (target ≤ 2,048 MB, flat)")


if __name__ == "__main__":
    main()
