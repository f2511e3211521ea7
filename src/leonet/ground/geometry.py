"""Look angles from ground sites to satellites, vectorised over time, sites and satellites."""

from __future__ import annotations

import numpy as np


def enu_basis(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Local east/north/up unit vectors (geodetic normal) in ECEF for each site: (G, 3, 3), rows E, N, U."""
    lat = np.deg2rad(np.asarray(lat_deg, dtype=np.float64))
    lon = np.deg2rad(np.asarray(lon_deg, dtype=np.float64))
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    east = np.stack([-so, co, np.zeros_like(so)], axis=-1)
    north = np.stack([-sl * co, -sl * so, cl], axis=-1)
    up = np.stack([cl * co, cl * so, sl], axis=-1)
    return np.stack([east, north, up], axis=-2)


def look_angles(site_ecef_km: np.ndarray, site_lat_deg: np.ndarray, site_lon_deg: np.ndarray,
                sat_ecef_km: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elevation, azimuth (degrees, azimuth clockwise from north in [0, 360)) and slant range (km).

    site_ecef_km (G, 3), site_lat_deg/site_lon_deg (G,), sat_ecef_km (..., N, 3) → each (..., G, N).
    """
    basis = enu_basis(site_lat_deg, site_lon_deg)  # (G, 3, 3)
    sat = np.asarray(sat_ecef_km, dtype=np.float64)
    rel = sat[..., None, :, :] - np.asarray(site_ecef_km)[:, None, :]  # (..., G, N, 3)
    enu = np.einsum("gij,...gnj->...gni", basis, rel)
    rng = np.linalg.norm(enu, axis=-1)
    el = np.rad2deg(np.arcsin(np.clip(enu[..., 2] / rng, -1.0, 1.0)))
    az = np.mod(np.rad2deg(np.arctan2(enu[..., 0], enu[..., 1])), 360.0)
    return el, az, rng


def elevation_and_range(site_ecef_km: np.ndarray, site_up: np.ndarray, sat_ecef_km: np.ndarray):
    """Fast path for visibility: elevation (deg) and range (km), (G, N), from site_up unit normals (G, 3)
    and one instant's satellite positions (N, 3)."""
    rel = sat_ecef_km[None, :, :] - site_ecef_km[:, None, :]
    rng = np.sqrt(np.einsum("gnk,gnk->gn", rel, rel))
    sin_el = np.einsum("gnk,gk->gn", rel, site_up) / rng
    return np.rad2deg(np.arcsin(np.clip(sin_el, -1.0, 1.0))), rng


def look_angles_paired(site_ecef_km: np.ndarray, site_lat_deg: np.ndarray, site_lon_deg: np.ndarray,
                       sat_ecef_km: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Look angles of pairs: site i to satellite position i. All inputs (M, 3) / (M,); outputs (M,)."""
    basis = enu_basis(site_lat_deg, site_lon_deg)  # (M, 3, 3)
    enu = np.einsum("mij,mj->mi", basis, np.asarray(sat_ecef_km) - np.asarray(site_ecef_km))
    rng = np.linalg.norm(enu, axis=-1)
    el = np.rad2deg(np.arcsin(np.clip(enu[:, 2] / rng, -1.0, 1.0)))
    az = np.mod(np.rad2deg(np.arctan2(enu[:, 0], enu[:, 1])), 360.0)
    return el, az, rng
