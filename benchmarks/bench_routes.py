"""Routing speed: ms per 100 ms time step, all 4,950 pairs of the 100 most populous cities, single process.

Baseline named in the output: Hypatia's per-step method (NetworkX Floyd–Warshall on the same per-step graph),
timed here on one step of the same input. Targets (issue 3): starlink-shell1 ≤ 25 ms/step; starlink-gen1 ≤ 80 ms.

    .venv/bin/python benchmarks/bench_routes.py [--preset starlink-shell1] [--steps 200] [--with-output]
"""

from __future__ import annotations

import argparse
import statistics
import time
from importlib import resources

import numpy as np

from leonet.ground.sites import read_sites_csv
from leonet.network.graph import build_step_graph
from leonet.network.gsl import GslPolicy
from leonet.network.isl import plus_grid
from leonet.network.latency import RouteJob, all_pairs, compute_chunk, iter_route_chunks
from leonet.orbits.presets import preset
from leonet.orbits.timegrid import TimeGrid

TARGET_MS = {"starlink-shell1": 25.0, "starlink-gen1": 80.0}


def hypatia_style_step_ms(job: RouteJob) -> float:
    """One step the way satgenpy does it: networkx graph of the step + Floyd–Warshall over all nodes."""
    import networkx as nx

    from leonet.network.gsl import gsl_visibility
    from leonet.orbits.propagate import positions_ecef_km

    t0 = time.perf_counter()
    pos = positions_ecef_km(job.source, job.grid.t_unix_s[:1])
    mask, rng = gsl_visibility(job.sites.ecef_km, job.sites.lat_deg, job.sites.lon_deg, pos, job.gsl)
    graph = build_step_graph(pos[0], job.isl_edges, mask[0], rng[0]).tocoo()
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(graph.row.tolist(), graph.col.tolist(), graph.data.tolist(), strict=True))
    nx.floyd_warshall_numpy(g)
    return (time.perf_counter() - t0) * 1000.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="starlink-shell1")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-baseline", action="store_true")
    args = ap.parse_args()
    sites = read_sites_csv(resources.files("leonet") / "data" / "cities_top100.csv")
    c = preset(args.preset)
    src, dst = all_pairs(len(sites))
    job = RouteJob(c, sites, plus_grid(c), GslPolicy(), src, dst, TimeGrid(c.epoch, 0.1, args.steps))
    compute_chunk(job, 0, 2)  # warm-up
    runs = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        rows = sum(t.num_rows for t in iter_route_chunks(job, 50))
        runs.append((time.perf_counter() - t0) * 1000.0 / args.steps)
    ms = statistics.median(runs)
    print(f"{args.preset}: {c.num_sats} satellites, {len(sites)} ground stations, {len(src)} pairs, "
          f"{args.steps} steps of 100 ms ({rows} rows)")
    print(f"leonet: {ms:.1f} ms per step (median of {args.repeats}; runs {', '.join(f'{r:.1f}' for r in runs)})"
          f"; target ≤ {TARGET_MS.get(args.preset, float('nan')):.0f} ms")
    print(f"        2,000 steps (200 s simulated) ≈ {ms * 2:.1f} s")
    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_mb:,.0f} MB ({args.steps} steps streamed in 50-step chunks); "
          f"target for 2,000 shell-1 steps ≤ 1,536 MB")
    if not args.skip_baseline:
        base = hypatia_style_step_ms(job)
        print(f"baseline (Hypatia-style NetworkX Floyd–Warshall, 1 step): {base:.0f} ms per step")
        print(f"ratio: leonet is {base / ms:.0f}× faster per step")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
