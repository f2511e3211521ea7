"""Scenario sweeps: several scenario files run as independent batches, serially or on Dask (``leonet run A.toml
B.toml … --dask | --scheduler tcp://HOST:8786``). Each scenario writes into ``OUT/<file stem>/`` exactly what a
single ``leonet run`` writes, with its own SQLite store there, so a distributed sweep gives the same files as
running the scenarios one after another (tested). A single scenario is sequential in time (each 15-s slot starts
from the previous one's state), so the unit of distribution is the scenario, not a time window.

On Dask the scenario files are read here and shipped as validated ``Scenario`` objects, and each worker runs its
scenario in a scratch folder and sends the files back, which are written here: workers need neither this machine's
working directory nor a shared file system (files a scenario names, such as a GeoJSON area, must still be readable
at the same absolute path on the workers, or be shipped package data)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from leonet.errors import LeonetInputError


def run_scenario(scenario, seconds: float | None, out_dir: str, db: str | None = None) -> dict:
    """One batch run (as ``leonet run``) of a scenario file or a loaded ``Scenario``: returns its summary (slots,
    rows, incidents) plus the scenario and the output folder."""
    from leonet.scenario import load_scenario
    from leonet.sim.engine import Simulation
    from leonet.sim.runner import run_batch

    sc = load_scenario(scenario) if isinstance(scenario, str | Path) else scenario
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sim = Simulation(sc, db or f"sqlite:///{(out / 'leonet.sqlite').resolve()}")
    try:
        summary = run_batch(sim, sc.duration_s if seconds is None else seconds, out)
    finally:
        sim.sessions.kw["bind"].dispose()  # the store complete in leonet.sqlite (no -wal beside it) before it ships
    return {**summary, "scenario": str(scenario), "out": str(out)}


def run_scenario_to_bytes(scenario, seconds: float | None, label: str) -> dict:
    """``run_scenario`` on a worker: into a scratch folder, returning the summary plus ``files`` (path relative to
    the output folder → content), so the caller writes the output where it wants it."""
    from leonet.distributed import folder_bytes

    with tempfile.TemporaryDirectory(prefix="leonet-sweep-") as tmp:
        summary = run_scenario(scenario, seconds, tmp)
        files = folder_bytes(tmp)
    return {**summary, "scenario": label, "files": files}


def sweep_pieces(scenarios: list[Path], seconds: float | None, out: Path) -> list[tuple]:
    """One piece per scenario, output folder named by the file stem (stems must differ); a single scenario writes
    into ``out`` itself, as ``leonet run A.toml --out OUT`` does without Dask."""
    stems = [p.stem for p in scenarios]
    for p in scenarios:
        if not p.is_file():
            raise LeonetInputError("file not found", file=str(p), field="scenario")
    dup = sorted({s for s in stems if stems.count(s) > 1})
    if dup:
        raise LeonetInputError("two scenarios with the same file name; their outputs would clash", field="scenario",
                               value=", ".join(dup))
    if len(scenarios) == 1:
        return [(str(scenarios[0]), seconds, str(out), None)]
    return [(str(p), seconds, str(out / p.stem), None) for p in scenarios]


def run_sweep(scenarios: list[Path], seconds: float | None, out: Path, *, scheduler: str | None = None,
              use_dask: bool = False, workers: int | None = None,
              progress: Callable[[tuple], None] | None = None) -> Iterator[dict]:
    """Summaries of the scenarios' runs in the order given, serially or on Dask (identical files either way)."""
    from leonet.distributed import dask_client, map_in_order, write_folder_bytes
    from leonet.scenario import load_scenario

    pieces = sweep_pieces(scenarios, seconds, out)
    if not (use_dask or scheduler):
        yield from map_in_order(None, run_scenario, pieces, progress=progress)
        return
    shipped = [(load_scenario(path), secs, path) for path, secs, _, _ in pieces]  # bad files fail here, early
    with dask_client(scheduler, workers) as client:
        for (_, _, out_dir, _), summary in zip(pieces, map_in_order(client, run_scenario_to_bytes, shipped,
                                                                     progress=progress), strict=True):
            write_folder_bytes(summary.pop("files"), out_dir)
            yield {**summary, "out": out_dir}
