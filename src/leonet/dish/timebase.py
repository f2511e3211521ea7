"""The dish's per-second time base: simulation time read through ``SimulationView.now_utc`` and carried on between
reads by the wall clock (scaled by the run's speed), and the 900-sample ring buffers of ``get_history``: the
sample of second ``c`` after boot sits at index ``c % 900`` and ``current`` is the number of seconds written, as a
real dish keeps them (starlink_grpc.py ``_compute_sample_range`` reads exactly this layout)."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

HISTORY_N = 900  # samples a real dish keeps (15 minutes of 1 s samples; starlink_grpc.py docstrings)
MAX_OUTAGES = 50  # outage runs kept for get_history


class SimClock:
    """Simulation time now, to the sub-second: a clock running at ``speed`` × wall time, kept within the slot the
    view reports (``now_utc`` may move in whole slots: never behind it, never more than a slot ahead of it)."""

    def __init__(self, sim, speed: float = 1.0):
        self.sim = sim
        self.speed = float(speed)
        self._lock = threading.Lock()
        self._t: datetime | None = None
        self._mono = 0.0

    def now_utc(self) -> datetime:
        base = self.sim.now_utc
        mono = time.monotonic()
        with self._lock:
            t = base if self._t is None else self._t + timedelta(seconds=(mono - self._mono) * self.speed)
            t = min(max(t, base), base + timedelta(seconds=float(self.sim.slot_s)))
            self._t, self._mono = t, mono
            return t


@dataclass
class Second:
    """What one dish second shows (after the dish's own state — stow, sleep, boot — is applied)."""

    latency_ms: np.ndarray
    drop_rate: np.ndarray
    downlink_bps: np.ndarray
    uplink_bps: np.ndarray
    power_w: np.ndarray
    az_deg: np.ndarray
    el_deg: np.ndarray
    cause: list[str]
    t_utc: list[datetime]


class RingHistory:
    """Ring buffers of one dish since its last boot, written one second at a time as simulation time passes."""

    FIELDS = ("latency_ms", "drop_rate", "downlink_bps", "uplink_bps", "power_w")

    def __init__(self, boot_utc: datetime):
        self.reset(boot_utc)

    def reset(self, boot_utc: datetime) -> None:
        self.boot_utc = boot_utc
        self.count = 0  # seconds written = the history's ``current``
        self.buf = {k: np.zeros(HISTORY_N) for k in self.FIELDS}
        self.outages: list[list] = []  # [start_utc, duration_s, cause], the last one may still be running
        self.last: dict | None = None  # the newest second's values

    def due(self, now_utc: datetime) -> int:
        """Whole seconds since boot at ``now_utc`` (how far ``count`` should be)."""
        return max(0, math.floor((now_utc - self.boot_utc).total_seconds()))

    def write(self, sec: Second) -> None:
        """Append consecutive seconds (``sec.t_utc`` must continue at ``boot_utc + count``)."""
        n = len(sec.t_utc)
        if n == 0:
            return
        idx = (self.count + np.arange(n)) % HISTORY_N
        for k in self.FIELDS:
            self.buf[k][idx] = getattr(sec, k)
        for t, cause in zip(sec.t_utc, sec.cause, strict=True):
            last = self.outages[-1] if self.outages else None
            if cause and last and last[2] == cause and last[0] + timedelta(seconds=last[1]) == t:
                last[1] += 1.0
            elif cause:
                self.outages.append([t, 1.0, cause])
        del self.outages[:-MAX_OUTAGES]
        self.count += n
        self.last = {k: float(getattr(sec, k)[-1]) for k in (*self.FIELDS, "az_deg", "el_deg")}
        self.last["cause"] = sec.cause[-1]
        self.last["t_utc"] = sec.t_utc[-1]

    def window(self, n: int, field: str) -> np.ndarray:
        """The newest ``n`` samples of ``field`` (fewer right after boot), oldest first."""
        n = min(n, self.count, HISTORY_N)
        idx = (self.count - n + np.arange(n)) % HISTORY_N
        return self.buf[field][idx]

    def current_outage(self) -> list | None:
        if self.last and self.last["cause"] and self.outages:
            return self.outages[-1]
        return None

    def seconds_since_outage(self, now_utc: datetime, min_s: float) -> float:
        """Seconds since the end of the last outage at least ``min_s`` long (NaN when none in memory)."""
        for start, dur, _cause in reversed(self.outages):
            if dur >= min_s:
                return max(0.0, (now_utc - (start + timedelta(seconds=dur))).total_seconds())
        return math.nan
