"""`leonet routes` chunks on Dask: speed-up with 1, 2 and 4 workers of an in-process LocalCluster against the
serial run in this process (the named baseline), on starlink-shell1 × 100 cities, all pairs.

    .venv/bin/python benchmarks/bench_dask.py [--preset starlink-shell1] [--steps 400] [--chunk-steps 50]
        [--workers 1,2,4]

The serial baseline is ``leonet routes``' own path (one process, trees carried from chunk to chunk). On Dask each
chunk starts its shortest-path trees afresh (the first step of a chunk costs ~10 steps), so a worker does a little
more work than the serial run; results are identical (checked here too). The speed-up is bounded by the machine's
free cores — the figure says how many there are and the load average. For a real cluster pass
``--scheduler tcp://HOST:8786`` to ``leonet routes`` (docs/engine.md).
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
from leonet.network.latency import RouteJob, all_pairs, compute_chunk, iter_route_chunks
from leonet.orbits.presets import preset
from leonet.orbits.timegrid import TimeGrid


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="starlink-shell1")
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--chunk-steps", type=int, default=50)
    ap.add_argument("--workers", default="1,2,4")
    args = ap.parse_args()
    sites = read_sites_csv(resources.files("leonet") / "data" / "cities_top100.csv")
    c = preset(args.preset)
    src, dst = all_pairs(len(sites))
    job = RouteJob(c, sites, plus_grid(c), GslPolicy(), src, dst, TimeGrid(c.epoch, 0.1, args.steps))
    spans = job.grid.chunks(args.chunk_steps)
    t0 = time.perf_counter()
    serial = pa.concat_tables(list(iter_route_chunks(job, args.chunk_steps)))
    base_s = time.perf_counter() - t0
    print(f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}; {args.preset}, {len(src)} pairs, "
          f"{args.steps} steps in {len(spans)} chunks")
    print(f"serial (this process): {base_s:.1f} s ({base_s * 1000 / args.steps:.1f} ms/step) — baseline")
    for workers in (int(w) for w in args.workers.split(",")):
        with dask_client(workers=workers) as client:
            list(map_in_order(client, compute_chunk, spans[:workers], shared=job))  # warm the workers
            t0 = time.perf_counter()
            tables = list(map_in_order(client, compute_chunk, spans, shared=job))
            took = time.perf_counter() - t0
        assert pa.concat_tables(tables).equals(serial), "Dask result differs from the serial run"
        print(f"{workers} worker(s) (load average {os.getloadavg()[0]:.1f}): {took:.1f} s "
              f"({took * 1000 / args.steps:.1f} ms/step), speed-up {base_s / took:.2f}× over serial; identical result")


if __name__ == "__main__":
    main()
