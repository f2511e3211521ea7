"""GPS satellites in view of a dish, from the GPS baseline 24-slot constellation.

Slots (RAAN, argument of latitude at 0000Z 1 July 1993, Greenwich hour angle 18h36m14.4s; circular orbits of
semi-major axis 26,559.7 km at 55° inclination): GPS SPS Performance Standard, October 2001, Table 3-1 "Reference
Orbit Slot Assignments as of the Defined Epoch" (https://www.gps.gov/technical/ps/2001-SPS-performance-standard.pdf;
reproduced as Table 3.1 of Kaplan & Hegarty, Understanding GPS, read 2026-11-26 at
http://what-when-how.com/Tutorial/topic-84i8rc/Understanding-GPS-Principles-and-Applications-86.html). GPS orbits
repeat their ground track every sidereal day (two revolutions), so the Earth-fixed geometry is a function of the
Greenwich sidereal angle; the mask is the Standard's 5°. The 24 slots are the baseline: the operational constellation
(31 satellites) shows a few more."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

EPOCH = datetime(1993, 7, 1, tzinfo=UTC)
GHA_EPOCH_RAD = np.radians((18 + 36 / 60 + 14.4 / 3600) * 15.0)
EARTH_RATE_RAD_S = 7.2921151467e-5  # WGS 84
A_KM = 26559.7
INCLINATION_RAD = np.radians(55.0)
MASK_DEG = 5.0
WGS84_A_KM, WGS84_E2 = 6378.137, 6.69437999014e-3
_PLANE_RAAN_DEG = {"A": 272.847, "B": 332.847, "C": 32.847, "D": 92.847, "E": 152.847, "F": 212.847}
_SLOT_ARG_LAT_DEG = {
    "A": (268.126, 161.786, 11.676, 41.806), "B": (80.956, 173.336, 309.976, 204.376),
    "C": (111.876, 11.796, 339.666, 241.556), "D": (135.226, 265.446, 35.156, 167.356),
    "E": (197.046, 302.596, 66.066, 333.686), "F": (238.886, 345.226, 105.206, 135.346),
}
RAAN_RAD = np.radians(np.repeat([_PLANE_RAAN_DEG[p] for p in "ABCDEF"], 4))
U0_RAD = np.radians(np.concatenate([_SLOT_ARG_LAT_DEG[p] for p in "ABCDEF"]))


def positions_ecef_km(t_utc: datetime) -> np.ndarray:
    """(24, 3) Earth-fixed positions of the baseline slots at ``t_utc``."""
    dt_s = (t_utc - EPOCH).total_seconds()
    theta = GHA_EPOCH_RAD + EARTH_RATE_RAD_S * dt_s  # Greenwich sidereal angle
    u = U0_RAD + 2.0 * EARTH_RATE_RAD_S * dt_s  # two revolutions per sidereal day
    lon_node = RAAN_RAD - theta
    cu, su, ci, si = np.cos(u), np.sin(u), np.cos(INCLINATION_RAD), np.sin(INCLINATION_RAD)
    co, so = np.cos(lon_node), np.sin(lon_node)
    return A_KM * np.stack([co * cu - so * su * ci, so * cu + co * su * ci, su * si], axis=1)


def in_view(lat_deg: float, lon_deg: float, alt_m: float, t_utc: datetime, mask_deg: float = MASK_DEG) -> int:
    """How many baseline GPS satellites stand above ``mask_deg`` elevation at a place and time."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * np.sin(lat) ** 2)
    h = alt_m / 1000.0
    site = np.array([(n + h) * np.cos(lat) * np.cos(lon), (n + h) * np.cos(lat) * np.sin(lon),
                     (n * (1.0 - WGS84_E2) + h) * np.sin(lat)])
    up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    los = positions_ecef_km(t_utc) - site
    sin_el = los @ up / np.linalg.norm(los, axis=1)
    return int((sin_el > np.sin(np.radians(mask_deg))).sum())
