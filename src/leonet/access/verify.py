"""Network-side location verification: the shared types. The network measures the delay (range) and Doppler
(range-rate) of a terminal's uplink at the satellites that hear it (Hughes, "User location determination using
delay and Doppler measurements in LEO satellite systems",
https://vdocuments.net/user-location-determination-using-delay-and-doppler-.html ): ``Measurements``; what it
really measures is modelled in ``access.measure``, the robust fix and the test of a reported position are in
``access.locate``, and the simulation's check in ``sim.location``. ``Fix`` is a position with its covariance and
95 % ellipse; ``inconsistent`` is the squared Mahalanobis distance of a reported position from a fix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ELLIPSE_95 = np.sqrt(5.991)  # χ²(2 dof) 95 % → ellipse scale
EARTH_R_KM = 6371.0


@dataclass
class Measurements:
    """Per terminal (M) and sample (K): satellite ECEF position/velocity (km, km/s), measured range (km) and
    range-rate (km/s). NaN marks a missing sample."""

    sat_pos_km: np.ndarray  # (M, K, 3)
    sat_vel_km_s: np.ndarray  # (M, K, 3)
    range_km: np.ndarray  # (M, K)
    range_rate_km_s: np.ndarray  # (M, K)
    t_s: np.ndarray | None = None  # (M, K) sample times (s from a reference); None: not needed (no clock terms)


@dataclass
class Fix:
    """Per terminal: estimated lat/lon (deg; NaN if too few samples), 95 % ellipse (km, deg from north),
    covariance (M, 2, 2) in (north km, east km)."""

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    cov_km2: np.ndarray
    major_km: np.ndarray
    minor_km: np.ndarray
    angle_deg: np.ndarray


def inconsistent(fix: Fix, reported_lat_deg: np.ndarray, reported_lon_deg: np.ndarray,
                 threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(flag, squared Mahalanobis distance) of the reported positions against the fixes. No fix or no reported
    position → not flagged (NaN distance)."""
    dn = np.deg2rad(reported_lat_deg - fix.lat_deg) * EARTH_R_KM
    de = np.deg2rad((reported_lon_deg - fix.lon_deg + 180) % 360 - 180) * EARTH_R_KM * np.cos(
        np.deg2rad(fix.lat_deg))
    d = np.stack([dn, de], axis=-1)
    ok = np.isfinite(d).all(axis=-1)
    d2 = np.full(d.shape[0], np.nan)
    if ok.any():
        inv = np.linalg.inv(fix.cov_km2[ok])
        d2[ok] = np.einsum("mi,mij,mj->m", d[ok], inv, d[ok])
    return np.where(ok, d2 > threshold, False), d2
