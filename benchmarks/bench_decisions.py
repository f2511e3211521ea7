"""Batch decisions on one core: Natural Earth 1:50m borders and 50 zones; target ≥ 1,000,000 positions/s.
Baseline named in the output: a naive per-point loop of shapely ``contains`` over the country polygons and zones,
measured in the same run on a subsample.

    .venv/bin/python benchmarks/bench_decisions.py [--n 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

import numpy as np
import shapely

from leonet.access.borders import borders
from leonet.access.context import hypothetical_context
from leonet.access.policy import PolicyContext, country_status_array, decide_batch
from leonet.access.seed import statuses_at
from leonet.access.zones import ZoneIndex, ZoneRule

AT = datetime(2026, 3, 1, tzinfo=UTC)


def make_zones(rng: np.random.Generator, count: int = 50) -> list[ZoneRule]:
    zones = []
    for k in range(count):
        lon0, lat0 = rng.uniform(-10, 40), rng.uniform(35, 60)
        ang = np.sort(rng.uniform(0, 2 * np.pi, 12))
        r = rng.uniform(0.2, 1.5, 12)
        poly = shapely.Polygon(np.c_[lon0 + r * np.cos(ang), lat0 + r * np.sin(ang)])
        kind = ("blocked_area", "whitelist_only", "monitoring")[k % 3]
        zones.append(ZoneRule(k, f"zone-{k}", kind, poly, None, None, "benchmark", 90.0 if k % 5 == 0 else None))
    return zones


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--baseline-n", type=int, default=2_000)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    b = borders("50m")
    _ = b.grid
    zones = make_zones(rng)
    base = PolicyContext(at=AT, policy_version="bench", country_status=np.zeros(1), serials=np.array([], str),
                         account_of=np.zeros(0, int), hardware_ok=np.zeros(0, bool), plan=np.zeros(0, int),
                         status=np.array([], str), home=np.zeros(0, int), service_lat=np.zeros(0),
                         service_lon=np.zeros(0), service_radius_km=np.zeros(0), max_speed_kmh=np.zeros(0),
                         abroad_days=np.zeros(0), allowed_keys=np.zeros(0, np.int64), has_allowed=np.zeros(0, bool),
                         zones=ZoneIndex(zones), border_scale="50m")
    base.country_status = country_status_array(statuses_at(AT), "50m")
    # Positions: half over Europe (where the zones are), half anywhere on Earth (area-uniform).
    half = args.n // 2
    lat = np.r_[rng.uniform(35, 62, half), np.degrees(np.arcsin(rng.uniform(-1, 1, args.n - half)))]
    lon = np.r_[rng.uniform(-10, 42, half), rng.uniform(-180, 180, args.n - half)]
    speed = rng.uniform(0, 200, args.n)
    serials = np.array([f"{i:09d}" for i in range(args.n)])
    ctx = hypothetical_context(base, "roam", serials, lat, lon)
    ctx.border_scale = "50m"
    decide_batch(ctx, serials[:1000], lat[:1000], lon[:1000], AT, speed[:1000])  # warm-up
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        result = decide_batch(ctx, serials, lat, lon, AT, speed)
        times.append(time.perf_counter() - t0)
    per_s = args.n / statistics.median(times)
    names, counts = np.unique(result.names, return_counts=True)
    print(f"batch decisions, 1:50m borders ({len(b.parts)} polygons), {len(zones)} zones, {args.n:,} positions")
    print(f"leonet: {per_s:,.0f} positions/s (median of {args.repeats}: {statistics.median(times):.3f} s); "
          f"target ≥ 1,000,000/s")
    print("codes: " + ", ".join(f"{n} {c}" for n, c in zip(names, counts, strict=True)))
    # Baseline: per point, shapely contains against every country polygon and every zone.
    m = args.baseline_n
    t0 = time.perf_counter()
    for i in range(m):
        p = shapely.Point(lon[i], lat[i])
        for poly in b.parts:
            if poly.contains(p):
                break
        for z in zones:
            z.geometry.contains(p)
    base_per_s = m / (time.perf_counter() - t0)
    print(f"baseline (naive per-point shapely contains loop, {m:,} points): {base_per_s:,.0f} positions/s")
    print(f"ratio: {per_s / base_per_s:,.0f}× faster")


if __name__ == "__main__":
    main()
