"""Population generation and its control-plane records: generate N terminals (default 1,000,000) of the shipped
population scenario's mix (legit by country and plan with gazetteer density, diverted along the front line with
three sales routes), then bulk-insert the records of a subsample into SQLite. Target: 1 M terminals generated in
seconds. Baseline named in the output: per-terminal generation with Python loops (one draw and one border lookup
per terminal), measured on a subsample and scaled.

    .venv/bin/python benchmarks/bench_population.py [--n 1000000] [--records 100000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from importlib import resources
from pathlib import Path

import numpy as np

from leonet.access.borders import borders
from leonet.gazetteer import gazetteer
from leonet.population.generate import generate
from leonet.population.records import insert_records
from leonet.scenario import load_scenario
from leonet.store.session import open_store


def spec_for(n: int):
    sc = load_scenario(str(resources.files("leonet") / "data" / "scenarios" / "theatre_population.toml"))
    pop = sc.population
    total = sum(g.count for g in pop.legit) + sum(g.count for g in pop.diverted)
    return sc, pop.model_copy(update={"scale": min(1.0, n / total)}) if n <= total else _scaled(pop, n / total)


def _scaled(pop, factor: float):
    legit = [g.model_copy(update={"count": int(round(g.count * factor))}) for g in pop.legit]
    div = [g.model_copy(update={"count": int(round(g.count * factor))}) for g in pop.diverted]
    return pop.model_copy(update={"scale": 1.0, "legit": legit, "diverted": div})


def naive(sc, k: int) -> float:
    """Per-terminal loop: pick a place, jitter, look up the country exactly, redraw if outside (the shape a
    straightforward implementation takes)."""
    g, b = gazetteer(), borders()
    rng = np.random.default_rng(0)
    ua = g.in_countries(["UA"])
    w = g.population[ua] / g.population[ua].sum()
    t = time.perf_counter()
    for _ in range(k):
        while True:
            p = ua[rng.choice(ua.size, p=w)]
            lat = g.lat_deg[p] + rng.normal(0, 0.05)
            lon = g.lon_deg[p] + rng.normal(0, 0.05)
            if b.codes[b.exact_index(np.array([lat]), np.array([lon]))[0]] == "UA":
                break
    return (time.perf_counter() - t) / k


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline-n", type=int, default=300)
    args = ap.parse_args()
    sc, spec = spec_for(args.n)
    generate(spec_for(1000)[1], sc.seed)  # load borders, grid and gazetteer once (not timed)
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        pop = generate(spec, sc.seed)
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    print(f"generate: {len(pop):,} terminals ({int(pop.diverted.sum()):,} diverted) median {med:.2f} s over "
          f"{args.repeats} runs ({len(pop) / med:,.0f} terminals/s)")
    per = naive(sc, args.baseline_n)
    print(f"baseline (per-terminal loop, {args.baseline_n} terminals): {per * 1e3:.2f} ms/terminal → "
          f"{per * len(pop):.0f} s for {len(pop):,}; ratio {per * len(pop) / med:.0f}x")
    _, rspec = spec_for(args.records)
    rpop = generate(rspec, sc.seed)
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='leonet-bench-')) / 'p.sqlite'}"
    sessions = open_store(url)
    t = time.perf_counter()
    with sessions.begin() as session:
        counts = insert_records(session, rpop)
    dt = time.perf_counter() - t
    rows = sum(v for k, v in counts.items() if k != "created")
    print(f"records: {len(rpop):,} terminals → {rows:,} rows ({counts}) into SQLite in {dt:.2f} s "
          f"({rows / dt:,.0f} rows/s)")


if __name__ == "__main__":
    main()
