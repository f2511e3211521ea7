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


def _share(beam, rate_mbps, demand_mbps, background_need, extra_cap=None):
    """Air time of each beam shared by demand. Returns (achieved Mb/s, capacity Mb/s for a speed test, beam
    utilisation). background_need (M,): the air-time need of the beam's other subscribers (same for every member).
    Speed test: processor sharing among elastic flows — max(1 − others' need, 1/(1 + others' need)) of the air time
    (capped by ``extra_cap``, a per-terminal air-time limit such as the uplink duty factor)."""
    ok = (beam >= 0) & (rate_mbps > 0)
    m = beam.size
    achieved, capacity, util = np.zeros(m), np.zeros(m), np.zeros(m)
    if not ok.any():
        return achieved, capacity, util
    need = np.zeros(m)
    need[ok] = demand_mbps[ok] / rate_mbps[ok]
    if extra_cap is not None:
        need[ok] = np.minimum(need[ok], extra_cap[ok])
    _, inv = np.unique(beam[ok], return_inverse=True)
    first = np.zeros(inv.max() + 1, dtype=np.int64)
    first[inv[::-1]] = np.flatnonzero(ok)[::-1]
    total = np.bincount(inv, weights=need[ok]) + background_need[first]
    scale = np.minimum(1.0, 1.0 / np.maximum(total, 1e-12))[inv]
    achieved[ok] = need[ok] * scale * rate_mbps[ok]
    others = total[inv] - need[ok]
    frac = np.maximum(1.0 - others, 1.0 / (1.0 + others))
    if extra_cap is not None:
        frac = np.minimum(frac, extra_cap[ok])
    capacity[ok] = frac * rate_mbps[ok]
    util[ok] = np.minimum(total, 1.0)[inv]
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
    el = np.asarray(el_deg, float)
    rng_km = np.asarray(range_km, float)
    scan = 90.0 - el  # terminal boresight at zenith [assumption; docs/radio.md]
    atm = np.full(m, np.nan)
    atm[ok] = slant_attenuation_db(climate.take(np.flatnonzero(ok)), np.asarray(lat_deg, float)[ok], el[ok],
                                   linkbudget.DOWNLINK_GHZ, np.asarray(rain_mm_h, float)[ok])
    atm_ul = np.full(m, np.nan)
    atm_ul[ok] = slant_attenuation_db(climate.take(np.flatnonzero(ok)), np.asarray(lat_deg, float)[ok], el[ok],
                                      linkbudget.UPLINK_GHZ, np.asarray(rain_mm_h, float)[ok])
    cn_dl = linkbudget.downlink_cn_db(el, atm, dish_gt_db_k, scan, radio.scan_loss_exponent, radio.pfd_backoff_db)
    cn_ul = linkbudget.uplink_cn_db(rng_km, atm_ul, dish_eirp_dbw, scan, radio.sat_gt_db_k, radio.scan_loss_exponent,
                                    radio.uplink_channel_mhz)
    hop = radio.beam_hop_cells
    demand_dl = np.where(ok, np.asarray(demand_dl_mbps, float), 0.0)
    demand_ul = demand_dl * radio.uplink_demand_fraction
    bg_dl = np.where(ok, np.asarray(background_dl_mbps, float), 0.0)
    # Interference depends on how busy the co-channel neighbours are: take them as loaded like this cell. Two
    # passes: utilisation without interference, then C/I at that activity.
    sinr_dl, sinr_ul = cn_dl, cn_ul
    for _ in range(2):
        _, eff_dl = modcod.select(sinr_dl, radio.modcod_margin_db)
        rate_dl = radio.channel_mhz * eff_dl / (1.0 + modcod.ROLL_OFF) / hop
        rate_dl = np.where(ok, rate_dl, 0.0)
        bg_need = np.where(rate_dl > 0, bg_dl / np.maximum(rate_dl, 1e-9), 0.0)
        ach_dl, cap_dl, util = _share(beam, rate_dl, demand_dl, bg_need)
        ci = interference.co_channel_ci_db(rng_km, el, util, radio.reuse_cluster)
        sinr_dl = interference.sinr_db(cn_dl, ci)
        sinr_ul = interference.sinr_db(cn_ul, ci)
    idx, eff_dl = modcod.select(sinr_dl, radio.modcod_margin_db)
    rate_dl = np.where(ok, radio.channel_mhz * eff_dl / (1.0 + modcod.ROLL_OFF) / hop, 0.0)
    bg_need = np.where(rate_dl > 0, bg_dl / np.maximum(rate_dl, 1e-9), 0.0)
    ach_dl, cap_dl, util = _share(beam, rate_dl, demand_dl, bg_need)
    _, eff_ul = modcod.select(sinr_ul, radio.modcod_margin_db)
    rate_ul = np.where(ok, radio.uplink_channel_mhz * eff_ul / (1.0 + modcod.ROLL_OFF) / hop, 0.0)
    # The FCC-filed maximum transmit duty factor caps a terminal's share of the channel's time (in units of the
    # cell's share of the beam, 1/hop of the time).
    duty = np.full(m, min(1.0, radio.uplink_duty_max * hop))
    bg_need_ul = np.where(rate_ul > 0, bg_dl * radio.uplink_demand_fraction / np.maximum(rate_ul, 1e-9), 0.0)
    ach_ul, cap_ul, _ = _share(beam, rate_ul, demand_ul, bg_need_ul, duty)
    nan = np.where(ok, 0.0, np.nan)
    return RadioSlot(sinr_db=sinr_dl + nan, modcod=np.where(ok, idx, -1).astype(np.int16),
                     uplink_sinr_db=sinr_ul + nan, atm_db=atm, downlink_alone_mbps=rate_dl,
                     downlink_capacity_mbps=cap_dl, uplink_capacity_mbps=cap_ul, downlink_mbps=ach_dl,
                     uplink_mbps=ach_ul, utilisation=util)


def satellite_capacity_gbps(radio, sinr_db, beams: int) -> np.ndarray:
    """Downlink capacity of a satellite (Gb/s) with ``beams`` beams at the given SINR(s) (whole channel each)."""
    _, eff = modcod.select(sinr_db, radio.modcod_margin_db)
    return beams * radio.channel_mhz * eff / (1.0 + modcod.ROLL_OFF) / 1000.0
