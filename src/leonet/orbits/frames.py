"""Reference frames: TEME → ECEF (pseudo Earth-fixed) by GMST, and WGS84 geodetic ↔ ECEF.

TEME → ECEF follows Vallado, Crawford, Hujsak & Kelso, "Revisiting Spacetrack Report #3" (AIAA 2006-6753), §
"TEME to PEF": a rotation about z by GMST (IAU-82 expression). Polar motion (< ~15 m at the surface) is ignored:
PEF is used as ECEF. UT1 − UTC may be given (``dut1_s``); it defaults to 0, an error of ≤ 0.9 s of Earth rotation
(≤ ~0.4 km along-track at LEO radius) — pass the IERS value when metre accuracy matters.
"""

from __future__ import annotations

import numpy as np

from leonet.orbits.timegrid import jd_split

WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563
WGS84_B_KM = WGS84_A_KM * (1.0 - WGS84_F)
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
EARTH_ROTATION_RAD_S = 7.292115146706979e-5  # IERS value used with GMST 1982 (Vallado 2006)


def gmst82_rad(t_unix_s: np.ndarray, dut1_s: float = 0.0) -> np.ndarray:
    """Greenwich mean sidereal time (IAU-82, as in SGP4's ``gstime``) at UTC Unix seconds, radians in [0, 2π)."""
    whole, frac = jd_split(np.asarray(t_unix_s, dtype=np.float64) + dut1_s)
    t_cent = ((whole - 2_451_545.0) + frac) / 36_525.0
    seconds = (67_310.54841 + (876_600.0 * 3600.0 + 8_640_184.812866) * t_cent
               + 0.093104 * t_cent**2 - 6.2e-6 * t_cent**3)
    return np.mod(np.deg2rad(seconds / 240.0), 2.0 * np.pi)


def rotate_z(xyz: np.ndarray, angle_rad: np.ndarray) -> np.ndarray:
    """Rotate vectors (T, ..., 3) about z by −angle (frame rotation), angle shape (T,)."""
    angle = np.asarray(angle_rad, dtype=np.float64).reshape((-1,) + (1,) * (xyz.ndim - 2))
    c, s = np.cos(angle), np.sin(angle)
    x, y = xyz[..., 0], xyz[..., 1]
    out = np.empty_like(xyz)
    out[..., 0] = c * x + s * y
    out[..., 1] = -s * x + c * y
    out[..., 2] = xyz[..., 2]
    return out


def teme_to_ecef_km(r_teme_km: np.ndarray, t_unix_s: np.ndarray, dut1_s: float = 0.0) -> np.ndarray:
    """TEME positions (T, N, 3) km at instants (T,) → ECEF (PEF, polar motion ignored) km, (T, N, 3)."""
    return rotate_z(r_teme_km, gmst82_rad(t_unix_s, dut1_s))


def geodetic_to_ecef_km(lat_deg, lon_deg, alt_km) -> np.ndarray:
    """WGS84 geodetic (degrees, km above the ellipsoid) → ECEF km, shape (..., 3)."""
    lat = np.deg2rad(np.asarray(lat_deg, dtype=np.float64))
    lon = np.deg2rad(np.asarray(lon_deg, dtype=np.float64))
    alt = np.asarray(alt_km, dtype=np.float64)
    sin_lat = np.sin(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
    x = (n + alt) * np.cos(lat) * np.cos(lon)
    y = (n + alt) * np.cos(lat) * np.sin(lon)
    z = (n * (1.0 - WGS84_E2) + alt) * sin_lat
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def ecef_to_geodetic(xyz_km: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECEF km (..., 3) → WGS84 (lat_deg, lon_deg, alt_km); Bowring's start + 3 Newton-style refinements
    (sub-millimetre from the surface to GEO)."""
    xyz = np.asarray(xyz_km, dtype=np.float64)
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    p = np.hypot(x, y)
    lon = np.arctan2(y, x)
    lat = np.arctan2(z, p * (1.0 - WGS84_E2))
    for _ in range(4):
        sin_lat = np.sin(lat)
        n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
        lat = np.arctan2(z + WGS84_E2 * n * sin_lat, p)
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
    alt = p * cos_lat + z * sin_lat - n * (1.0 - WGS84_E2 * sin_lat**2)
    return np.rad2deg(lat), np.rad2deg(lon), alt


def great_circle_km(lat1_deg, lon1_deg, lat2_deg, lon2_deg, radius_km: float = 6371.0088) -> np.ndarray:
    """Great-circle distance on a sphere of the mean Earth radius (IUGG), haversine form, km."""
    la1, lo1, la2, lo2 = (np.deg2rad(np.asarray(v, dtype=np.float64)) for v in (lat1_deg, lon1_deg, lat2_deg,
                                                                                 lon2_deg))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2.0 * radius_km * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
