"""`leonet routes` chunks on Dask: speed-up with 1, 2 and 4 workers of an in-process LocalCluster against the
serial run in this process (the named baseline), on starlink-shell1 × 100 cities, all pairs.

    .venv/bin/python benchmarks/bench_dask.py [--steps 400] [--chunk-steps 50] [--workers 1,2,4]

Chunks are independent (each starts its shortest-path trees afresh), so results are identical to the serial run
(checked here too); the speed-up is bounded by the machine's cores — say how many the figure had. For a real
cluster pass ``--scheduler tcp://HOST:8786`` to ``leonet routes`` (docs/engine.md).
"""

from __future__ import annotations

import argparse
import os
import time
from importlib import resources

import pyarrow as pa

from leonet.distributed import dask_client, map_in_order
from leonet.ground.sites import read_sites_csv
from leonet.network.gsl import GslPolicy
from leonet.network.isl import plus_grid
from leonet.network.latency import RouteJob, all_pairs, compute_chunk
from leonet.orbits.presets import preset
from leonet.orbits.timegrid import TimeGrid


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--chunk-steps", type=int, default=50)
    ap.add_argument("--workers", default="1,2,4")
    args = ap.parse_args()
    sites = read_sites_csv(resources.files("leonet") / "data" / "cities_top100.csv")
    c = preset("starlink-shell1")
    src, dst = all_pairs(len(sites))
    job = RouteJob(c, sites, plus_grid(c), GslPolicy(), src, dst, TimeGrid(c.epoch, 0.1, args.steps))
    spans = job.grid.chunks(args.chunk_steps)
    t0 = time.perf_counter()
    serial = pa.concat_tables(list(map_in_order(None, compute_chunk, spans, shared=job)))
    base_s = time.perf_counter() - t0
    print(f"{os.cpu_count()} CPU cores; starlink-shell1, {len(src)} pairs, {args.steps} steps in "
          f"{len(spans)} chunks")
    print(f"serial (this process): {base_s:.1f} s ({base_s * 1000 / args.steps:.1f} ms/step) — baseline")
    for workers in (int(w) for w in args.workers.split(",")):
        with dask_client(workers=workers) as client:
            list(map_in_order(client, compute_chunk, spans[:workers], shared=job))  # warm the workers
            t0 = time.perf_counter()
            tables = list(map_in_order(client, compute_chunk, spans, shared=job))
            took = time.perf_counter() - t0
        assert pa.concat_tables(tables).equals(serial), "Dask result differs from the serial run"
        print(f"{workers} worker(s): {took:.1f} s ({took * 1000 / args.steps:.1f} ms/step), "
              f"speed-up {base_s / took:.2f}× over serial; identical result")


if __name__ == "__main__":
    main()
