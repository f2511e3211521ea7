"""The radio layer inside the living system: per slot, for all terminals at once, weather → SINR → MODCOD →
capacity → achieved throughput, and the slot's mean pop-ping latency and drop; on demand, one terminal's seconds
(the dish's 1-s history). Climatology is read once per 1° grid node and cached."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaincinv

from leonet.radio import demand, latency, linkbudget, modcod, model, noise, weather
from leonet.radio.atmosphere import Climate

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius (as leonet.orbits.frames.great_circle_km)
KEEP_SLOTS = 64  # slot records kept for the dish's history (≥ 900 s of 15-s slots)


@dataclass(frozen=True)
class RadioRecord:
    """What one slot's radio model decided, per terminal (M,), kept for the dish's seconds."""

    slot_index: int
    rain_mm_h: np.ndarray
    sinr_db: np.ndarray
    modcod: np.ndarray
    downlink_mbps: np.ndarray
    uplink_mbps: np.ndarray
    downlink_capacity_mbps: np.ndarray
    uplink_capacity_mbps: np.ndarray
    utilisation: np.ndarray
    handover: np.ndarray
    shell_km: np.ndarray  # satellite altitude above the mean sphere implied by the slot-start range and elevation
    pop_ping_latency_ms: np.ndarray
    pop_ping_drop_rate: np.ndarray


def slant_range_km(el_deg, shell_km):
    """Range (km) to a satellite ``shell_km`` above the mean sphere seen at elevation ``el_deg``."""
    s = np.sin(np.deg2rad(np.asarray(el_deg, float)))
    re = EARTH_RADIUS_KM
    return -re * s + np.sqrt((re * s) ** 2 + 2.0 * re * shell_km + shell_km ** 2)


def shell_km_from(range_km, el_deg):
    """Inverse of ``slant_range_km``."""
    r = np.asarray(range_km, float)
    s = np.sin(np.deg2rad(np.asarray(el_deg, float)))
    re = EARTH_RADIUS_KM
    return np.sqrt(re ** 2 + r ** 2 + 2.0 * re * r * s) - re


class RadioRuntime:
    """One per simulation. ``scenario`` gives ``radio``, ``latency``, ``weather``, ``seed``, ``slot_s`` and the
    terminals' dish models."""

    def __init__(self, scenario):
        self.radio = scenario.radio
        self.lat_params = scenario.latency.params()
        self.weather = scenario.weather
        self.seed = int(scenario.seed)
        self.slot_s = int(round(scenario.slot_s))
        names = [t.dish or scenario.radio.dish for t in scenario.terminals]
        dishes = {n: linkbudget.dish(n) for n in set(names)}
        self.dish_gt = np.array([dishes[n].gt_db_k(linkbudget.DOWNLINK_GHZ) for n in names])
        self.dish_eirp = np.array([dishes[n].tx_eirp_dbw for n in names])
        self._climate_cells = np.zeros(0, dtype=np.uint64)
        self._climate = Climate(np.zeros(0), np.zeros(0), np.zeros(0))
        self._last_key: tuple[np.ndarray, Climate] | None = None
        self.records: OrderedDict[int, RadioRecord] = OrderedDict()

    # -- climatology ---------------------------------------------------------------------------------------
    def climate(self, lat_deg: np.ndarray, lon_deg: np.ndarray) -> Climate:
        """Per point, from the ITU-R maps read at the nearest node of a 1° grid (the maps' own resolution is
        0.25°–1.5°; at Ku band the difference is a few hundredths of a dB). Nodes are read once and cached."""
        la = np.clip(np.round(np.nan_to_num(np.asarray(lat_deg, float))), -90, 90).astype(np.int64)
        lo = np.mod(np.round(np.nan_to_num(np.asarray(lon_deg, float))) + 180, 360).astype(np.int64) - 180
        key = ((la + 90) * 360 + (lo + 180)).astype(np.uint64)
        if self._last_key is not None and self._last_key[0].shape == key.shape and np.array_equal(self._last_key[0],
                                                                                                   key):
            return self._last_key[1]  # terminals did not change grid node (most slots)
        new = np.unique(key)
        missing = new[~np.isin(new, self._climate_cells)]
        if missing.size:
            k = missing.astype(np.int64)
            c = Climate.at(k // 360 - 90.0, k % 360 - 180.0, linkbudget.DOWNLINK_GHZ)
            self._climate_cells = np.concatenate([self._climate_cells, missing])
            self._climate = Climate(*(np.concatenate([a, b]) for a, b in zip(
                (self._climate.rain_height_km, self._climate.gas_zenith_db, self._climate.cloud_zenith_db),
                (c.rain_height_km, c.gas_zenith_db, c.cloud_zenith_db), strict=True)))
            order = np.argsort(self._climate_cells)
            self._climate_cells = self._climate_cells[order]
            self._climate = self._climate.take(order)
        out = self._climate.take(np.searchsorted(self._climate_cells, key))
        self._last_key = (key, out)
        return out

    # -- one slot ------------------------------------------------------------------------------------------
    def background_mbps(self, cells: np.ndarray, slot_index: int, t_unix_s: float, lon_deg,
                        unique=None) -> np.ndarray:
        """Demand of each cell's other subscribers this slot (per terminal, from its cell): Gamma-bursty around
        the diurnal mean, drawn from (seed, slot, cell) so every terminal of a cell sees the same value.
        ``unique``: np.unique(cells, return_index=True, return_inverse=True) if the caller has it."""
        r = self.radio
        cells = np.asarray(cells, dtype=np.uint64)
        uniq, first, inv = unique if unique is not None else np.unique(cells, return_index=True,
                                                                        return_inverse=True)
        mean = r.subscribers_per_cell * r.mean_busy_hour_mbps * demand.diurnal_factor(
            t_unix_s, np.asarray(lon_deg, float)[first])
        if r.burst_cv <= 0:
            return mean[inv]
        u = noise.uniform(self.seed, slot_index, uniq, np.zeros(1, np.int64), 11)[:, 0]
        shape = 1.0 / r.burst_cv ** 2
        draw = gammaincinv(shape, np.clip(u, 1e-12, 1 - 1e-12)) * np.maximum(mean, 1e-12) / shape  # Gamma inverse CDF
        return np.where(mean > 0, draw, 0.0)[inv]

    def offered_mbps(self, peak_mbps: np.ndarray, slot_index: int, t_unix_s: float, lon_deg) -> np.ndarray:
        """The scenario terminals' offered load: their peak demand, or on/off bursty around a busy-hour mean."""
        mean = self.radio.terminal_mean_busy_hour_mbps
        if mean <= 0:
            return np.asarray(peak_mbps, float)
        return demand.offered_mbps(peak_mbps, mean, t_unix_s, np.nan_to_num(lon_deg),
                                   demand.slot_rng(self.seed, slot_index))

    def slot(self, slot_index: int, t_s: float, t_unix_s: float, lat_deg, lon_deg, cells, sat, el_deg, range_km,
             rtt_ms, handover, peak_mbps) -> RadioRecord:
        """All terminals (M,): true position, H3 cell, serving satellite (−1 none), elevation and slant range to
        it, propagation RTT to the PoP, handover flag, peak demand."""
        lat, lon = np.asarray(lat_deg, float), np.asarray(lon_deg, float)
        sat = np.asarray(sat)
        cells = np.asarray(cells, dtype=np.uint64)
        m = sat.size
        served = (sat >= 0) & np.isfinite(np.asarray(rtt_ms, float))
        rain = weather.rain_mm_h(self.weather, lat, lon, t_s)
        cell_unique = np.unique(cells, return_index=True, return_inverse=True)
        cell_id = cell_unique[2]
        beam = np.where(served, sat.astype(np.int64) * (int(cell_id.max()) + 1 if m else 1) + cell_id, -1)
        if self.radio.enabled and served.any():
            out = model.slot(self.radio, beam, lat, el_deg, range_km, rain, self.climate(lat, lon),
                             self.dish_gt, self.dish_eirp, self.offered_mbps(peak_mbps, slot_index, t_unix_s, lon),
                             self.background_mbps(cells, slot_index, t_unix_s, np.nan_to_num(lon), cell_unique))
        else:
            out = model.RadioSlot.empty(m)
        lat_ms, drop = latency.slot_mean(np.where(served, rtt_ms, np.nan), range_km, out.utilisation, self.slot_s,
                                         handover, self.lat_params)
        rec = RadioRecord(slot_index=slot_index, rain_mm_h=rain, sinr_db=out.sinr_db, modcod=out.modcod,
                          downlink_mbps=out.downlink_mbps, uplink_mbps=out.uplink_mbps,
                          downlink_capacity_mbps=out.downlink_capacity_mbps,
                          uplink_capacity_mbps=out.uplink_capacity_mbps, utilisation=out.utilisation,
                          handover=np.asarray(handover, bool),
                          shell_km=np.where(served, shell_km_from(range_km, el_deg), np.nan),
                          pop_ping_latency_ms=lat_ms, pop_ping_drop_rate=drop)
        self.records[slot_index] = rec
        while len(self.records) > KEEP_SLOTS:
            self.records.popitem(last=False)
        return rec

    # -- the dish's seconds ------------------------------------------------------------------------------------
    def seconds(self, slot_index: int, i: int, second_in_slot, prop_rtt_ms, el_deg):
        """Terminal ``i``'s per-second (latency ms, drop rate, downlink Mb/s, uplink Mb/s) for the given seconds of
        a held slot, from the propagation RTT and elevation of each second (K,). None if the slot is not held."""
        rec = self.records.get(slot_index)
        if rec is None:
            return None
        sec = np.asarray(second_in_slot, dtype=np.int64)
        prop = np.asarray(prop_rtt_ms, float)[None, :]
        up = slant_range_km(el_deg, rec.shell_km[i])[None, :]
        key = latency.NoiseKey(self.seed, slot_index, np.array([i]), sec)
        lat, drop = latency.per_second(prop, up, rec.utilisation[i:i + 1], self.slot_s, rec.handover[i:i + 1], key,
                                       self.lat_params)
        ok = np.isfinite(lat[0])
        dl = np.where(ok, rec.downlink_mbps[i], 0.0)
        ul = np.where(ok, rec.uplink_mbps[i], 0.0)
        return lat[0], drop[0], dl, ul


def modcod_name(index: int) -> str:
    return str(modcod.modcod_names(np.array([index]))[0])
