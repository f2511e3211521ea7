"""One slot of the radio layer for every served terminal at once: path attenuation → downlink/uplink C/N →
co-channel C/I → SINR → MODCOD → rate with the whole channel → the beam's air time shared by demand (with the
cell's other subscribers as background load) → achieved throughput, speed-test capacity and utilisation.

All inputs and outputs are arrays over terminals (M,); a beam is identified by an integer key per terminal
(−1 = not served). Nothing here loops over terminals or satellites.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leonet.radio import interference, linkbudget, modcod
from leonet.radio.atmosphere import Climate, slant_attenuation_db


@dataclass(frozen=True)
class RadioSlot:
    """Per terminal (M,): SINR (dB) and MODCOD index (−1 none) of the downlink, uplink SINR (dB), path attenuation
    (dB), rates in Mb/s: with the whole channel (``*_alone``), a speed test now (``*_capacity``), achieved; and the
    air-time utilisation of the terminal's beam (0–1)."""

    sinr_db: np.ndarray
    modcod: np.ndarray
    uplink_sinr_db: np.ndarray
    atm_db: np.ndarray
    downlink_alone_mbps: np.ndarray
    downlink_capacity_mbps: np.ndarray
    uplink_capacity_mbps: np.ndarray
    downlink_mbps: np.ndarray
    uplink_mbps: np.ndarray
    utilisation: np.ndarray

    @classmethod
    def empty(cls, m: int) -> RadioSlot:
        nan = np.full(m, np.nan)
        z = np.zeros(m)
        return cls(nan, np.full(m, -1, dtype=np.int16), nan.copy(), nan.copy(), z, z.copy(), z.copy(), z.copy(),
                   z.copy(), z.copy())


@dataclass(frozen=True)
class _Beams:
    """Grouping of served terminals by beam, computed once per slot: ``idx`` (K,) served terminals, ``inv`` (K,)
    their beam number 0…B−1, ``first`` (B,) one member of each beam."""

    idx: np.ndarray
    inv: np.ndarray
    first: np.ndarray

    @classmethod
    def of(cls, beam: np.ndarray) -> _Beams:
        idx = np.flatnonzero(beam >= 0)
        _, inv = np.unique(beam[idx], return_inverse=True)
        first = np.zeros(int(inv.max()) + 1 if inv.size else 0, dtype=np.int64)
        first[inv[::-1]] = idx[::-1]
        return cls(idx, inv, first)


def _share(beams: _Beams, m: int, rate_mbps, demand_mbps, background_need, extra_cap=None):
    """Air time of each beam shared by demand. Returns (achieved Mb/s, capacity Mb/s for a speed test, beam
    utilisation), each (M,). background_need (M,): the air-time need of the beam's other subscribers (the same for
    every member). Speed test: processor sharing among elastic flows — max(1 − others' need, 1/(1 + others' need))
    of the air time (capped by ``extra_cap``, a per-terminal air-time limit such as the uplink duty factor)."""
    achieved, capacity, util = np.zeros(m), np.zeros(m), np.zeros(m)
    i = beams.idx
    if i.size == 0:
        return achieved, capacity, util
    rate = rate_mbps[i]
    good = rate > 0
    need = np.where(good, demand_mbps[i] / np.where(good, rate, 1.0), 0.0)
    if extra_cap is not None:
        need = np.minimum(need, extra_cap[i])
    total = np.bincount(beams.inv, weights=need, minlength=beams.first.size) + background_need[beams.first]
    total_m = total[beams.inv]
    scale = np.minimum(1.0, 1.0 / np.maximum(total_m, 1e-12))
    achieved[i] = need * scale * rate
    others = total_m - need
    frac = np.maximum(1.0 - others, 1.0 / (1.0 + others))
    if extra_cap is not None:
        frac = np.minimum(frac, extra_cap[i])
    capacity[i] = np.where(good, frac * rate, 0.0)
    util[i] = np.minimum(total_m, 1.0)
    return achieved, capacity, util


def slot(radio, beam, lat_deg, el_deg, range_km, rain_mm_h, climate: Climate, dish_gt_db_k, dish_eirp_dbw,
         demand_dl_mbps, background_dl_mbps) -> RadioSlot:
    """Evaluate one slot. ``radio`` is the scenario's ``[radio]`` section. beam (M,) int (−1 unserved); lat, el,
    range, rain (M,); climate per terminal; dish G/T and EIRP (M,); demand (M,) Mb/s offered by each terminal;
    background_dl_mbps (M,): the aggregate demand of the terminal's cell's other subscribers this slot."""
    beam = np.asarray(beam)
    m = beam.size
    out = RadioSlot.empty(m)
    ok = beam >= 0
    if not ok.any():
        return out
    beams = _Beams.of(beam)
    el = np.asarray(el_deg, float)
    rng_km = np.asarray(range_km, float)
    scan = 90.0 - el  # terminal boresight at zenith [assumption; docs/radio.md]
    served_climate = climate.take(beams.idx)
    lat_s, el_s, rain_s = np.asarray(lat_deg, float)[beams.idx], el[beams.idx], np.asarray(rain_mm_h, float)[beams.idx]
    atm = np.full(m, np.nan)
    atm[beams.idx] = slant_attenuation_db(served_climate, lat_s, el_s, linkbudget.DOWNLINK_GHZ, rain_s)
    atm_ul = np.full(m, np.nan)
    atm_ul[beams.idx] = slant_attenuation_db(served_climate, lat_s, el_s, linkbudget.UPLINK_GHZ, rain_s)
    cn_dl = linkbudget.downlink_cn_db(el, atm, dish_gt_db_k, scan, radio.scan_loss_exponent, radio.pfd_backoff_db)
    cn_ul = linkbudget.uplink_cn_db(rng_km, atm_ul, dish_eirp_dbw, scan, radio.sat_gt_db_k, radio.scan_loss_exponent,
                                    radio.uplink_channel_mhz)
    hop = radio.beam_hop_cells
    demand_dl = np.where(ok, np.asarray(demand_dl_mbps, float), 0.0)
    demand_ul = demand_dl * radio.uplink_demand_fraction
    bg_dl = np.where(ok, np.asarray(background_dl_mbps, float), 0.0)

    def downlink(sinr):
        idx, eff = modcod.select(sinr, radio.modcod_margin_db)
        rate = np.where(ok, radio.channel_mhz * eff / (1.0 + modcod.ROLL_OFF) / hop, 0.0)
        bg_need = np.where(rate > 0, bg_dl / np.maximum(rate, 1e-9), 0.0)
        return (idx, rate, *_share(beams, m, rate, demand_dl, bg_need))

    # Interference depends on how busy the co-channel neighbours are: take them as loaded like this cell — the
    # utilisation from the interference-free pass sets the C/I of the final one.
    _, _, _, _, util0 = downlink(cn_dl)
    ci = interference.co_channel_ci_db(rng_km, el, util0, radio.reuse_cluster)
    sinr_dl = interference.sinr_db(cn_dl, ci)
    sinr_ul = interference.sinr_db(cn_ul, ci)
    idx, rate_dl, ach_dl, cap_dl, util = downlink(sinr_dl)
    _, eff_ul = modcod.select(sinr_ul, radio.modcod_margin_db)
    rate_ul = np.where(ok, radio.uplink_channel_mhz * eff_ul / (1.0 + modcod.ROLL_OFF) / hop, 0.0)
    # The FCC-filed maximum transmit duty factor caps a terminal's share of the channel's time (in units of the
    # cell's share of the beam, 1/hop of the time).
    duty = np.full(m, min(1.0, radio.uplink_duty_max * hop))
    bg_need_ul = np.where(rate_ul > 0, bg_dl * radio.uplink_demand_fraction / np.maximum(rate_ul, 1e-9), 0.0)
    ach_ul, cap_ul, _ = _share(beams, m, rate_ul, demand_ul, bg_need_ul, duty)
    nan = np.where(ok, 0.0, np.nan)
    return RadioSlot(sinr_db=sinr_dl + nan, modcod=np.where(ok, idx, -1).astype(np.int16),
                     uplink_sinr_db=sinr_ul + nan, atm_db=atm, downlink_alone_mbps=rate_dl,
                     downlink_capacity_mbps=cap_dl, uplink_capacity_mbps=cap_ul, downlink_mbps=ach_dl,
                     uplink_mbps=ach_ul, utilisation=util)


def satellite_capacity_gbps(radio, sinr_db, beams: int) -> np.ndarray:
    """Downlink capacity of a satellite (Gb/s) with ``beams`` beams at the given SINR(s) (whole channel each)."""
    _, eff = modcod.select(sinr_db, radio.modcod_margin_db)
    return beams * radio.channel_mhz * eff / (1.0 + modcod.ROLL_OFF) / 1000.0
