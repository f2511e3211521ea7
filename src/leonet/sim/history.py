"""Recent slots, compact (per terminal: satellite, path, code, scheduler outcome, allocated share), and the
per-second samples derived from them: the propagation RTT to the PoP recomputed every second as the satellites and
the terminal move along the slot's path, turned into what the dish reports by the radio layer's latency model
(leonet.radio.latency: access, queueing, reconfiguration spikes, loss; docs/radio.md)."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from leonet import C_KM_S
from leonet.access.codes import DisablementCode as C
from leonet.ground.geometry import look_angles_paired
from leonet.orbits.frames import geodetic_to_ecef_km
from leonet.scheduler.slots import Assignment
from leonet.sim.interface import SecondSamples
from leonet.sim.paths import SlotRoutes

HISTORY_S = 900  # the dish keeps 15 minutes of 1-s history (starlink-grpc-tools reads up to 900 samples)
HISTORY_BYTES = 64_000_000  # memory bound: fewer slots are kept for very many terminals


@dataclass(frozen=True)
class SlotRecord:
    slot_index: int
    t_unix_s: float  # slot start
    sat: np.ndarray  # (M,) int32
    path_id: np.ndarray  # (M,) int32
    code: np.ndarray  # (M,) int16
    reason: np.ndarray  # (M,) int8
    allocated_mbps: np.ndarray  # (M,) float32
    routes: SlotRoutes


def outage_cause(code: int, reason: int, path_id: int) -> str:
    """The dish's outage cause for a terminal that is not served ("" when it is)."""
    if code != int(C.OKAY) or reason == Assignment.NOT_AUTHORIZED:
        return "NO_SCHEDULE"
    if reason == Assignment.NO_SATELLITE:
        return "NO_SATS"
    if reason == Assignment.CAPACITY:
        return "NO_DOWNLINK"
    return "" if path_id >= 0 else "NO_PINGS"


class SlotHistory:
    """Ring buffer of the last ``HISTORY_S`` seconds of slots (fewer when M is large: ``HISTORY_BYTES``)."""

    def __init__(self, m: int, slot_s: float):
        per_slot = max(1, 15 * m)
        self.max_slots = max(1, min(math.ceil(HISTORY_S / slot_s), HISTORY_BYTES // per_slot))
        self.slot_s = slot_s
        self.records: deque[SlotRecord] = deque(maxlen=self.max_slots)
        self._cache: dict[tuple[int, int], tuple] = {}

    def add(self, rec: SlotRecord) -> None:
        self.records.append(rec)
        oldest = self.records[0].slot_index
        self._cache = {k: v for k, v in self._cache.items() if k[0] >= oldest}

    def samples(self, i: int, start_unix_s: float, end_unix_s: float, sampler, radio=None) -> SecondSamples:
        """Terminal ``i``'s whole-second samples in [start, end) from the held slots; ``sampler(rec, i, t (K,))``
        gives (propagation RTT ms, az, el) arrays for a served slot; ``radio(slot_index, i, second_in_slot (K,),
        prop_rtt_ms (K,), el_deg (K,))`` (leonet.radio.runtime.RadioRuntime.seconds) turns them into the dish's
        (latency, drop, downlink, uplink), or None for a slot it does not hold."""
        cols: dict[str, list] = {k: [] for k in ("t", "lat", "drop", "dl", "ul", "sat", "az", "el", "code",
                                                 "cause")}
        for rec in list(self.records):
            lo = max(start_unix_s, rec.t_unix_s)
            hi = min(end_unix_s, rec.t_unix_s + self.slot_s)
            t = np.arange(math.ceil(lo), math.ceil(hi), dtype=np.float64)
            if t.size == 0:
                continue
            key = (rec.slot_index, i)
            if key not in self._cache:
                self._cache[key] = self._slot_samples(rec, i, sampler, radio)
            full_t, lat, sat, az, el, drop, dl, ul = self._cache[key]
            sel = np.isin(full_t, t)
            pid, code, reason = int(rec.path_id[i]), int(rec.code[i]), int(rec.reason[i])
            cause = outage_cause(code, reason, pid)
            k = int(sel.sum())
            cols["t"].append(full_t[sel])
            cols["lat"].append(lat[sel])
            cols["sat"].append(sat[sel])
            cols["az"].append(az[sel])
            cols["el"].append(el[sel])
            cols["drop"].append(np.full(k, 1.0) if cause else drop[sel])
            cols["dl"].append(np.zeros(k) if cause else dl[sel])
            cols["ul"].append(np.zeros(k) if cause else ul[sel])
            cols["code"].append(np.full(k, code, dtype=np.int16))
            cols["cause"] += [cause] * k
        cat = lambda k, dt=float: np.concatenate(cols[k]) if cols[k] else np.zeros(0, dtype=dt)  # noqa: E731
        t_all = cat("t")
        return SecondSamples(t_utc=[datetime.fromtimestamp(float(x), UTC) for x in t_all],
                             pop_ping_latency_ms=cat("lat"), pop_ping_drop_rate=cat("drop"),
                             downlink_mbps=cat("dl"), uplink_mbps=cat("ul"),
                             sat=cat("sat", np.int64), az_deg=cat("az"), el_deg=cat("el"),
                             code=cat("code", np.int16), outage_cause=cols["cause"])

    def _slot_samples(self, rec: SlotRecord, i: int, sampler, radio=None):
        t = rec.t_unix_s + np.arange(math.ceil(self.slot_s), dtype=np.float64)
        t = t[t < rec.t_unix_s + self.slot_s]
        nan = np.full(t.size, np.nan)
        if rec.path_id[i] < 0:
            return (t, nan, np.full(t.size, -1, dtype=np.int64), nan, nan.copy(), np.ones(t.size), np.zeros(t.size),
                    np.zeros(t.size))
        lat, az, el = sampler(rec, i, t)
        drop, dl, ul = np.zeros(t.size), np.full(t.size, float(rec.allocated_mbps[i])), np.full(t.size, np.nan)
        got = radio(rec.slot_index, i, np.arange(t.size), lat, el) if radio is not None else None
        if got is not None:
            lat, drop, dl, ul = got
        return t, lat, np.full(t.size, int(rec.sat[i]), dtype=np.int64), az, el, drop, dl, ul


def path_sampler(positions_of, terminal_at, gw_ecef_km: np.ndarray, fibre_equiv_km: np.ndarray):
    """A sampler for ``SlotHistory.samples``: propagation RTT along the slot's path at each second.

    ``positions_of(sat_idx (H,), t (K,)) -> (K, H, 3)``; ``terminal_at(i, t (K,)) -> (lat_deg, lon_deg, alt_km)``
    each (K,); fibre_equiv_km (G, P) gateway → PoP vacuum-equivalent length."""

    def sample(rec: SlotRecord, i: int, t: np.ndarray):
        pid = int(rec.path_id[i])
        sats = rec.routes.path_sats[pid]
        gw, pop = int(rec.routes.path_gateway[pid]), int(rec.routes.path_pop[pid])
        pos = positions_of(sats, t)  # (K, H, 3)
        lat, lon, alt = terminal_at(i, t)
        x = geodetic_to_ecef_km(lat, lon, alt)
        chain = np.linalg.norm(np.diff(pos, axis=1), axis=2).sum(axis=1) if len(sats) > 1 else np.zeros(t.size)
        down = np.linalg.norm(pos[:, -1, :] - gw_ecef_km[gw][None, :], axis=1)
        el, az, up = look_angles_paired(x, lat, lon, pos[:, 0, :])
        one_way = up + chain + down + fibre_equiv_km[gw, pop]
        return 2.0 * one_way / C_KM_S * 1000.0, az, el

    return sample
