"""Scenario sweeps: several scenario files run as independent batches, serially or on Dask (``leonet run A.toml
B.toml … --dask | --scheduler tcp://HOST:8786``). Each scenario writes into ``OUT/<file stem>/`` exactly what a
single ``leonet run`` writes, with its own SQLite store there, so a distributed sweep gives the same files as
running the scenarios one after another (tested). A single scenario is sequential in time (each 15-s slot starts
from the previous one's state), so the unit of distribution is the scenario, not a time window."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from leonet.errors import LeonetInputError


def run_scenario(scenario: str, seconds: float | None, out_dir: str, db: str | None = None) -> dict:
    """One batch run (as ``leonet run``): returns its summary (slots, rows, incidents) plus the scenario path."""
    from leonet.scenario import load_scenario
    from leonet.sim.engine import Simulation
    from leonet.sim.runner import run_batch

    sc = load_scenario(scenario)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sim = Simulation(sc, db or f"sqlite:///{(out / 'leonet.sqlite').resolve()}")
    summary = run_batch(sim, sc.duration_s if seconds is None else seconds, out)
    return {**summary, "scenario": scenario, "out": str(out)}


def sweep_pieces(scenarios: list[Path], seconds: float | None, out: Path) -> list[tuple]:
    """One piece per scenario, output folder named by the file stem (stems must differ)."""
    stems = [p.stem for p in scenarios]
    for p in scenarios:
        if not p.is_file():
            raise LeonetInputError("file not found", file=str(p), field="scenario")
    dup = sorted({s for s in stems if stems.count(s) > 1})
    if dup:
        raise LeonetInputError("two scenarios with the same file name; their outputs would clash", field="scenario",
                               value=", ".join(dup))
    return [(str(p), seconds, str(out / p.stem), None) for p in scenarios]


def run_sweep(scenarios: list[Path], seconds: float | None, out: Path, *, scheduler: str | None = None,
              use_dask: bool = False, workers: int | None = None,
              progress: Callable[[tuple], None] | None = None) -> Iterator[dict]:
    """Summaries of the scenarios' runs in the order given, serially or on Dask (identical files either way)."""
    from leonet.distributed import dask_client, map_in_order

    pieces = sweep_pieces(scenarios, seconds, out)
    if not (use_dask or scheduler):
        yield from map_in_order(None, run_scenario, pieces, progress=progress)
        return
    with dask_client(scheduler, workers) as client:
        yield from map_in_order(client, run_scenario, pieces, progress=progress)
