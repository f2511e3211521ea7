"""Offered load: a diurnal busy-hour profile and bursty users, deterministic for a given seed.

Diurnal profile: residential Internet traffic by local hour, as a fraction of the daily peak, read from Arbor
Networks' Internet Observatory (C. Labovitz, "The Internet After Dark", 2010,
http://www.arbornetworks.com/blog/asert/the-internet-after-dark/, read 2026-11-26): traffic is at 50 % of its peak
at 06:00, climbs to a local maximum in the afternoon, peaks around 23:00 and stays above 60 % of the peak until
03:00. Local time is solar time (UTC + longitude/15 h).

Burstiness: a user's demand in a slot is on/off — active with probability p = min(1, mean/peak), and at its peak
rate when active — so a terminal offering 50 Mb/s at peak with a 1 Mb/s mean is idle most slots (the FCC-filing-
based planning figure of ~1 Mb/s average per user: https://redlib.fmhy.net/r/Starlink/comments/fvr8dw/
starlink_internet_speed_confirmation/fmkdmdw/, read 2026-11-26 [FCC-filing-based estimate]).
"""

from __future__ import annotations

import numpy as np

# (local hour, fraction of daily peak) — read off the Arbor Networks figure described above.
DIURNAL_ANCHORS = np.array([(0.0, 0.90), (3.0, 0.62), (6.0, 0.50), (10.0, 0.62), (16.0, 0.75), (20.0, 0.88),
                            (23.0, 1.00), (24.0, 0.90)])


def local_hour(t_unix_s, lon_deg):
    """Local solar hour (0–24) at longitude (deg) for UNIX time (s)."""
    return np.mod(np.asarray(t_unix_s, float) / 3600.0 + np.asarray(lon_deg, float) / 15.0, 24.0)


def diurnal_factor(t_unix_s, lon_deg):
    """Traffic as a fraction of the daily busy-hour peak (0.5–1.0)."""
    return np.interp(local_hour(t_unix_s, lon_deg), DIURNAL_ANCHORS[:, 0], DIURNAL_ANCHORS[:, 1])


def slot_rng(seed: int, slot_index: int) -> np.random.Generator:
    """A generator that depends only on (seed, slot): results do not depend on how many draws earlier slots
    made, so every view of one slot (telemetry, the dish's seconds) sees the same numbers."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, int(slot_index) & 0xFFFFFFFF, 0x1EAF])


def offered_mbps(peak_mbps, mean_busy_hour_mbps, t_unix_s, lon_deg, rng: np.random.Generator):
    """One slot's offered load per user (Mb/s): on/off with activity p = diurnal × mean/peak."""
    peak = np.asarray(peak_mbps, float)
    p = np.clip(diurnal_factor(t_unix_s, lon_deg) * np.asarray(mean_busy_hour_mbps, float) / peak, 0.0, 1.0)
    on = rng.random(peak.shape) < p
    return np.where(on, peak, 0.0)


def background_mbps(subscribers, mean_busy_hour_mbps, t_unix_s, lon_deg, burst_cv, rng: np.random.Generator):
    """One slot's aggregate demand (Mb/s) of a cell's other subscribers: mean = subscribers × per-subscriber busy-
    hour mean × diurnal factor, Gamma-distributed across slots with coefficient of variation ``burst_cv``."""
    mean = np.asarray(subscribers, float) * mean_busy_hour_mbps * diurnal_factor(t_unix_s, lon_deg)
    if burst_cv <= 0:
        return mean
    shape = 1.0 / burst_cv ** 2
    return np.where(mean > 0, rng.gamma(shape, np.maximum(mean, 1e-12) / shape), 0.0)
