"""Run every benchmark in turn (`make bench`); each prints its figure and the ratio to its named baseline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RUNS = [
    ["bench_routes.py", "--preset", "starlink-shell1", "--steps", "200"],
    ["bench_routes.py", "--preset", "starlink-gen1", "--steps", "100", "--skip-baseline"],
    ["bench_routes.py", "--preset", "starlink-shell1", "--steps", "2000", "--repeats", "1", "--skip-baseline"],
    ["bench_scale.py", "--steps", "50"],
    ["bench_dask.py", "--steps", "200"],
    ["bench_decisions.py"],
    ["bench_api_latency.py"],
    ["bench_slot.py"],
    ["bench_population.py"],
    ["bench_compare.py"],
    ["fidelity_vs_measured.py", "--minutes", "6"],
    ["bench_location_check.py", "--out", "location_check.png"],
    ["bench_dashboard_frame.py"],
    ["bench_dish.py"],
]


def main() -> int:
    here = Path(__file__).resolve().parent
    failed = 0
    for run in RUNS:
        print(f"\n== {' '.join(run)}", flush=True)
        failed += subprocess.run([sys.executable, str(here / run[0]), *run[1:]]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
