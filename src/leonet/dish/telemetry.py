"""One emulated dish's living state: its seconds since boot, read from the simulation through
``SimulationView.seconds()`` as they pass, with the dish's own state (booting, stowed, asleep, obstructed) applied,
into the ring buffers that status, history and context all read (one source for every value)."""

from __future__ import annotations

import math
import threading
from datetime import datetime, timedelta

import numpy as np

from leonet.dish import models
from leonet.dish.settings import BOOTING_S, DishSettings
from leonet.dish.timebase import HISTORY_N, RingHistory, Second, SimClock


def _whole_second(t: datetime) -> datetime:
    return t.replace(microsecond=0)


class DishTelemetry:
    """A simulated terminal seen as a dish. Reads only the ``SimulationView`` interface (``leonet.sim.interface``).

    ``model``: the dish model (``models.POWER``; default from the hardware version). ``obstructions``: sectors
    (az_from_deg, az_to_deg, max_el_deg) of sky the terminal cannot see; a satellite behind one gives an OBSTRUCTED
    second and an obstructed cell on the map."""

    def __init__(self, sim, serial: str, speed: float = 1.0, obstructions=(), model: str | None = None):
        self.sim = sim
        self.serial = serial
        self.terminal_now()  # KeyError now for an unknown serial, not on the first request
        self.clock = SimClock(sim, speed)
        boot = _whole_second(sim.start_utc)  # powered on when the simulation began (uptime = its run time)
        self.settings = DishSettings(boot_utc=boot)
        self.hist = RingHistory(boot)
        self.obstructions = tuple(tuple(float(v) for v in s) for s in obstructions)
        self.model = model if model in models.POWER else models.dish_model(self.terminal_now().hardware_version)
        self._map = np.full((models.MAP_N, models.MAP_N), -1.0)
        self.lock = threading.RLock()  # one request at a time reads or changes this dish
        self._network = None

    # -- simulation reads -----------------------------------------------------------------------------------------
    def terminal_now(self):
        return self.sim.terminal(self.serial)

    def network(self):
        if self._network is None:
            self._network = self.sim.network()
        return self._network

    def now_utc(self) -> datetime:
        return self.clock.now_utc()

    # -- the per-second writer ------------------------------------------------------------------------------------
    def flush(self) -> datetime:
        """Write every second that has passed since the last read; returns the time read."""
        with self.lock:
            now = self.now_utc()
            h = self.hist
            due = h.due(now)
            if due - h.count > HISTORY_N:  # a long pause: older seconds would be overwritten anyway
                h.count = due - HISTORY_N
            if due > h.count:
                t0 = h.boot_utc + timedelta(seconds=h.count)
                samples = self.sim.seconds(self.serial, t0, h.boot_utc + timedelta(seconds=due))
                self._write(samples, t0)
            return now

    def _write(self, s, t0: datetime) -> None:
        # Seconds the simulation no longer keeps (before its first sample) are skipped: zeros, no outage; then the
        # contiguous run from there (the simulation may not have reached every second yet).
        t_all = list(s.t_utc)
        if t_all and t_all[0] > t0:
            gap = int((t_all[0] - t0).total_seconds())
            idx = (self.hist.count + np.arange(gap)) % HISTORY_N
            for buf in self.hist.buf.values():
                buf[idx] = 0.0
            self.hist.count += gap
            t0 = t_all[0]
        n = 0
        for t in t_all:
            if t != t0 + timedelta(seconds=n):
                break
            n += 1
        if n == 0:
            return
        t_utc = t_all[:n]
        settings = self.settings
        own = [self._own_cause(t) for t in t_utc]
        sim_cause = [c or "" for c in s.outage_cause[:n]]
        az = np.asarray(s.az_deg[:n], dtype=float)
        el = np.asarray(s.el_deg[:n], dtype=float)
        blocked = models.obstructed(az, el, self.obstructions) if self.obstructions else np.zeros(n, bool)
        cause = [o or c or ("OBSTRUCTED" if b else "") for o, c, b in zip(own, sim_cause, blocked, strict=True)]
        up = np.array([not c for c in cause])
        nz = lambda a: np.nan_to_num(np.asarray(a[:n], dtype=float), nan=0.0)  # noqa: E731 - no model → 0
        dl_mbps, ul_mbps = nz(s.downlink_mbps), nz(s.uplink_mbps)
        state = np.array([0 if not c else 2 if c in ("STOWED", "SLEEPING") else 3 if c == "BOOTING" else 1
                          for c in cause])
        sec = Second(latency_ms=np.where(up, nz(s.pop_ping_latency_ms), 0.0),
                     drop_rate=np.where(up, np.clip(nz(s.pop_ping_drop_rate), 0.0, 1.0), 1.0),
                     downlink_bps=np.where(up, dl_mbps * 1e6, 0.0), uplink_bps=np.where(up, ul_mbps * 1e6, 0.0),
                     power_w=models.power_w(self.model, state, self._load(dl_mbps)),
                     az_deg=az, el_deg=el, cause=cause, t_utc=t_utc)
        self.hist.write(sec)
        seen = np.array([not c or c == "OBSTRUCTED" for c in cause]) & np.isfinite(el)
        if seen.any() and not settings.stowed:
            row, col, inside = models.map_index(az[seen], el[seen])
            self._map[row[inside], col[inside]] = np.where(blocked[seen][inside], 0.0, 1.0)

    def _own_cause(self, t: datetime) -> str:
        st = self.settings
        if (t - st.boot_utc).total_seconds() < BOOTING_S:
            return "BOOTING"
        if st.stowed:
            return "STOWED"
        if st.sleeping(t):
            return "SLEEPING"
        return ""

    def _load(self, dl_mbps: np.ndarray) -> np.ndarray:
        """Share of the link's capacity in use (the radio model's speed-test capacity; none: 0)."""
        cap = getattr(self.terminal_now(), "downlink_capacity_mbps", None)
        if cap is None or not np.isfinite(cap) or cap <= 0:
            return np.zeros_like(dl_mbps)
        return dl_mbps / float(cap)

    # -- the dish's own actions -----------------------------------------------------------------------------------
    def reboot(self) -> None:
        with self.lock:
            now = self.flush()
            boot = _whole_second(now)
            self.settings.reboot(boot)
            self.hist.reset(boot)

    def clear_obstruction_map(self) -> None:
        with self.lock:
            now = self.flush()
            self.settings.clear_obstruction_map(now)
            self._map[:] = -1.0

    # -- derived values -------------------------------------------------------------------------------------------
    def obstruction_map(self) -> np.ndarray:
        with self.lock:
            self.flush()
            return self._map.copy()

    def uptime_s(self, now: datetime) -> int:
        return max(0, int((now - self.settings.boot_utc).total_seconds()))

    def seconds_to_slot_end(self, now: datetime) -> float:
        """Until the end of the scheduler slot containing ``now`` (slots tile time from the current slot's start)."""
        slot = self.sim.slot_state()
        slot_s = float(getattr(slot, "slot_s", self.sim.slot_s))
        into = (now - slot.t_utc).total_seconds() % slot_s
        return slot_s - into

    def obstruction_fraction(self) -> float:
        """Share of the last 900 s the sky was blocked, of the seconds the dish was looking (not booting, stowed
        or asleep)."""
        window_s = min(self.hist.count, HISTORY_N)
        start = self.hist.boot_utc + timedelta(seconds=self.hist.count - window_s)
        end = start + timedelta(seconds=window_s)
        secs = {c: 0.0 for c in ("OBSTRUCTED", "BOOTING", "STOWED", "SLEEPING")}
        for s, d, c in self.hist.outages:
            if c in secs:
                lo, hi = max(s, start), min(s + timedelta(seconds=d), end)
                secs[c] += max(0.0, (hi - lo).total_seconds())
        looking = window_s - secs["BOOTING"] - secs["STOWED"] - secs["SLEEPING"]
        return secs["OBSTRUCTED"] / looking if looking > 0 else 0.0

    def mean_15s(self, field: str) -> float:
        w = self.hist.window(15, field)
        return float(w.mean()) if len(w) else math.nan
