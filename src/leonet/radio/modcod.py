"""Adaptive coding and modulation: SINR → MODCOD → spectral efficiency → capacity, and sharing a beam's
capacity among its terminals.

MODCOD table: ideal Es/N0 thresholds (AWGN, normal FECFRAME, quasi-error-free) and spectral efficiencies
(information bits per transmitted symbol) of DVB-S2 (ETSI EN 302 307-1 V1.4.1 (2014-11) Table 13,
https://www.etsi.org/deliver/etsi_en/302300_302399/30230701/01.04.01_60/en_30230701v010401p.pdf) and the
DVB-S2X additions (ETSI EN 302 307-2 V1.1.1 (2014-10) Table 20a,
https://www.etsi.org/deliver/etsi_en/302300_302399/30230702/01.01.01_60/en_30230702v010101p.pdf), read
2026-11-26. Starlink's own waveform is OFDM (Humphreys et al., "Signal Structure of the Starlink Ku-Band Downlink",
2023) whose MODCOD thresholds are not published; the DVB-S2X curve stands in for it (the issue's choice).
"""

from __future__ import annotations

import numpy as np

# (name, Es/N0 threshold dB, spectral efficiency bit/symbol)
MODCODS: tuple[tuple[str, float, float], ...] = (
    ("QPSK 1/4", -2.35, 0.490243), ("QPSK 1/3", -1.24, 0.656448), ("QPSK 2/5", -0.30, 0.789412),
    ("QPSK 1/2", 1.00, 0.988858), ("QPSK 3/5", 2.23, 1.188304), ("QPSK 2/3", 3.10, 1.322253),
    ("QPSK 3/4", 4.03, 1.487473), ("QPSK 4/5", 4.68, 1.587196), ("QPSK 5/6", 5.18, 1.654663),
    ("QPSK 8/9", 6.20, 1.766451), ("QPSK 9/10", 6.42, 1.788612),
    ("8PSK 3/5", 5.50, 1.779991), ("8PSK 2/3", 6.62, 1.980636), ("8PSK 3/4", 7.91, 2.228124),
    ("8PSK 5/6", 9.35, 2.478562), ("8PSK 8/9", 10.69, 2.646012), ("8PSK 9/10", 10.98, 2.679207),
    ("16APSK 2/3", 8.97, 2.637201), ("16APSK 3/4", 10.21, 2.966728), ("16APSK 4/5", 11.03, 3.165623),
    ("16APSK 5/6", 11.61, 3.300184), ("16APSK 8/9", 12.89, 3.523143), ("16APSK 9/10", 13.13, 3.567342),
    ("32APSK 3/4", 12.73, 3.703295), ("32APSK 4/5", 13.64, 3.951571), ("32APSK 5/6", 14.28, 4.119540),
    ("32APSK 8/9", 15.69, 4.397854), ("32APSK 9/10", 16.05, 4.453027),
    # DVB-S2X Table 20a (high-order constellations)
    ("64APSK 32/45-L", 13.98, 4.206428), ("64APSK 11/15", 14.81, 4.338659), ("64APSK 7/9", 15.47, 4.603122),
    ("64APSK 4/5", 15.87, 4.735354), ("64APSK 5/6", 16.55, 4.933701),
    ("128APSK 3/4", 17.73, 5.163248), ("128APSK 7/9", 18.53, 5.355556),
    ("256APSK 29/45-L", 16.98, 5.065690), ("256APSK 2/3-L", 17.24, 5.241514), ("256APSK 31/45-L", 18.10, 5.417338),
    ("256APSK 32/45", 18.59, 5.593162), ("256APSK 11/15-L", 18.84, 5.768987), ("256APSK 3/4", 19.57, 5.900855),
)
# DVB-S2X roll-off 0.05 (EN 302 307-2 §5.1): symbol rate = bandwidth / 1.05.
ROLL_OFF = 0.05
NO_MODCOD = -1


def _frontier():
    """The efficient frontier: MODCODs sorted by threshold, keeping only those that beat every cheaper one."""
    names = np.array([m[0] for m in MODCODS])
    thr = np.array([m[1] for m in MODCODS])
    eff = np.array([m[2] for m in MODCODS])
    order = np.argsort(thr, kind="stable")
    best = np.maximum.accumulate(eff[order])
    keep = np.r_[True, best[1:] > best[:-1]]
    return order[keep], thr[order][keep], eff[order][keep], names


_IDX, _THR, _EFF, NAMES = _frontier()


def select(sinr_db, margin_db: float = 0.0):
    """Best MODCOD whose threshold + margin ≤ SINR. Returns (index into MODCODS or −1, bit/symbol)."""
    s = np.asarray(sinr_db, float) - margin_db
    pos = np.searchsorted(_THR, np.nan_to_num(s, nan=-np.inf), side="right") - 1
    ok = pos >= 0
    idx = np.where(ok, _IDX[np.maximum(pos, 0)], NO_MODCOD)
    eff = np.where(ok, _EFF[np.maximum(pos, 0)], 0.0)
    return idx, eff


def spectral_efficiency_bps_hz(sinr_db, margin_db: float = 0.0):
    """bit/s/Hz of the selected MODCOD (symbol rate = B/(1 + roll-off))."""
    return select(sinr_db, margin_db)[1] / (1.0 + ROLL_OFF)


def modcod_names(index) -> np.ndarray:
    idx = np.asarray(index)
    out = np.full(idx.shape, "", dtype=object)
    ok = idx >= 0
    out[ok] = NAMES[idx[ok]]
    return out


def share(group, rate_mbps_if_alone, demand_mbps):
    """Share each group's (beam's) air time among its members by demand.

    group (M,) int ≥ 0 (−1 = not served); rate_mbps_if_alone (M,) the rate a member would get with the whole
    channel (its MODCOD × bandwidth); demand (M,) Mb/s. Air time a member needs: demand / rate. If a beam's total
    need ≤ 1 everybody gets their demand; otherwise each need is scaled down by the same factor (equal fraction of
    demand served). Returns (achieved Mb/s, air-time utilisation of the member's beam)."""
    g = np.asarray(group)
    rate = np.asarray(rate_mbps_if_alone, float)
    dem = np.asarray(demand_mbps, float)
    out = np.zeros(g.shape)
    util = np.zeros(g.shape)
    ok = (g >= 0) & (rate > 0)
    if not ok.any():
        return out, util
    need = dem[ok] / rate[ok]
    _, inv = np.unique(g[ok], return_inverse=True)
    total = np.bincount(inv, weights=need)
    scale = np.minimum(1.0, 1.0 / np.maximum(total, 1e-12))[inv]
    out[ok] = dem[ok] * scale
    util[ok] = np.minimum(total, 1.0)[inv]
    return out, util
