"""Running a simulation: as a batch into a directory, or live in real time (or faster) behind the API."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from leonet.access.detect import write_evidence
from leonet.io import atomic_path
from leonet.sim.engine import Simulation


def run_batch(sim: Simulation, duration_s: float, out_dir: Path, progress: Callable[[int], None] | None = None
              ) -> dict:
    """Step through ``duration_s`` and write telemetry (Parquet + CSV), incidents (JSON, Markdown, map) and plots."""
    slots = max(1, int(round(duration_s / sim.slot_s)))
    for _ in range(slots):
        sim.step()
        if progress:
            progress(1)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = sim.telemetry.table()
    with atomic_path(out_dir / "telemetry.parquet") as tmp:
        pq.write_table(table, tmp)
    with atomic_path(out_dir / "telemetry.csv") as tmp:
        pacsv.write_csv(table, tmp)
    incidents = sim.incidents()
    write_evidence(incidents, out_dir, sim.zones_geojson())
    from leonet.sim.plots import summary_plots

    summary_plots(table, out_dir)
    return {"slots": slots, "rows": table.num_rows, "incidents": len(incidents)}


class LiveRunner:
    """Steps the simulation in a background thread: one slot every ``slot_s / speed`` wall-clock seconds."""

    def __init__(self, sim: Simulation, speed: float = 1.0):
        self.sim = sim
        self.speed = speed
        self.paused = False
        self.last_step_monotonic = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="leonet-sim", daemon=True)

    def start(self) -> LiveRunner:
        self.step()
        self._thread.start()
        return self

    def _loop(self) -> None:
        next_at = time.monotonic() + self.sim.slot_s / self.speed
        while not self._stop.wait(max(0.0, next_at - time.monotonic())):
            if not self.paused:
                self.step()
            next_at += self.sim.slot_s / max(self.speed, 1e-6)

    def step(self) -> None:
        self.sim.step()
        self.last_step_monotonic = time.monotonic()  # the dashboard interpolates satellites from here

    def stop(self) -> None:
        self._stop.set()
