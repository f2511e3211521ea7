"""`leonet compare` of the shipped population scenario under the six shipped policies on a Dask LocalCluster:
wall time, per-policy simulation time and the number of workers. Baseline named in the output: the same runs one
after another in this process (the serial path of ``leonet.distributed.map_in_order``), i.e. the speed-up Dask
gives; figures depend on the cores the machine really has free.

    .venv/bin/python benchmarks/bench_compare.py [--workers 2] [--duration-s 300] [--scale 0.05] [--skip-serial]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from importlib import resources
from pathlib import Path

from leonet.analysis.compare import compare
from leonet.analysis.policyfile import load_policy
from leonet.scenario import load_scenario

POLICIES = ("status_quo", "whitelist_only", "front_line_blocked", "speed_cutoff", "location_verification", "mix")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--duration-s", type=float, default=300.0)
    ap.add_argument("--scale", type=float, default=None, help="override the scenario's population scale")
    ap.add_argument("--skip-serial", action="store_true")
    args = ap.parse_args()
    sc = load_scenario(str(resources.files("leonet") / "data" / "scenarios" / "theatre_population.toml"))
    if args.scale is not None:
        sc = sc.model_copy(update={"population": sc.population.model_copy(update={"scale": args.scale})})
    policies = {p: load_policy(p) for p in POLICIES}
    out = Path(tempfile.mkdtemp(prefix="leonet-bench-compare-"))
    t = time.perf_counter()
    results = compare(sc, policies, out / "dask", workers=args.workers, duration_s=args.duration_s)
    wall = time.perf_counter() - t
    slots = results[0]["slots"]
    print(f"compare: {len(policies)} policies × {results[0]['terminals']:,} terminals × {slots} slots on "
          f"{args.workers} Dask workers: wall {wall:.1f} s")
    for r in results:
        print(f"  {r['policy']:>22}: setup {r['setup_s']:.1f} s, run {r['run_s']:.1f} s; leakage "
              f"{r['leakage_pct']:.1f} %, collateral {r['collateral_pct']:.1f} %, detected {r['detected_pct']:.0f} %")
    if not args.skip_serial:
        t = time.perf_counter()
        compare(sc, policies, out / "serial", duration_s=args.duration_s, local=True)
        serial = time.perf_counter() - t
        print(f"baseline (serial, one process): {serial:.1f} s; Dask speed-up {serial / wall:.2f}x")
    print(f"table: {out / 'dask' / 'compare.md'}")


if __name__ == "__main__":
    main()
