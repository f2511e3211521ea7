"""Network-side location verification: estimate where a terminal is from the delay (range) and Doppler
(range-rate) of its uplink as measured at its serving satellites, then test the GPS position it reports.

Model (Hughes, "User location determination using delay and Doppler measurements in LEO satellite systems";
https://vdocuments.net/user-location-determination-using-delay-and-doppler-.html ):
K samples per 15-s slot from the serving satellite, plus the previous slot's samples (usually
another satellite, which breaks the left/right ambiguity of a single pass). Unknowns: latitude and longitude on
the ellipsoid at the terminal's altitude. Weighted Gauss–Newton from two starts either side of the ground track,
vectorised over terminals; covariance → 95 % error ellipse; the reported position is inconsistent when its
squared Mahalanobis distance exceeds a χ² (2 dof) threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leonet.orbits.frames import ecef_to_geodetic, geodetic_to_ecef_km

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


def simulate(true_ecef_km: np.ndarray, sat_pos_km: np.ndarray, sat_vel_km_s: np.ndarray, range_noise_m: float,
             range_rate_noise_mps: float, rng: np.random.Generator) -> Measurements:
    """Noisy range and range-rate a terminal at true_ecef_km (M, 3) would produce on satellites (M, K, 3)."""
    rel = sat_pos_km - true_ecef_km[:, None, :]
    rho = np.linalg.norm(rel, axis=-1)
    rhodot = np.einsum("mkc,mkc->mk", rel, sat_vel_km_s) / rho
    rho = rho + rng.normal(0, range_noise_m / 1000, rho.shape)
    rhodot = rhodot + rng.normal(0, range_rate_noise_mps / 1000, rhodot.shape)
    return Measurements(sat_pos_km, sat_vel_km_s, rho, rhodot)


def _predict(lat_rad, lon_rad, alt_km, meas: Measurements):
    x = geodetic_to_ecef_km(np.rad2deg(lat_rad), np.rad2deg(lon_rad), alt_km)  # (M, 3)
    rel = meas.sat_pos_km - x[:, None, :]
    rho = np.linalg.norm(rel, axis=-1)
    return rho, np.einsum("mkc,mkc->mk", rel, meas.sat_vel_km_s) / rho


def _residuals(lat, lon, alt, meas, w_r, w_d):
    rho, rhodot = _predict(lat, lon, alt, meas)
    r1 = np.where(np.isfinite(meas.range_km), (meas.range_km - rho) * w_r, 0.0)
    r2 = np.where(np.isfinite(meas.range_rate_km_s), (meas.range_rate_km_s - rhodot) * w_d, 0.0)
    return np.concatenate([r1, r2], axis=1)  # (M, 2K), whitened


def _gauss_newton(lat, lon, alt, meas, w_r, w_d, iterations=12):
    h = 1e-6  # rad
    for _ in range(iterations):
        r0 = _residuals(lat, lon, alt, meas, w_r, w_d)
        j_lat = (_residuals(lat + h, lon, alt, meas, w_r, w_d) - r0) / h
        j_lon = (_residuals(lat, lon + h, alt, meas, w_r, w_d) - r0) / h
        jac = -np.stack([j_lat, j_lon], axis=-1)  # residual = meas − model → d(model)/dθ = −d(res)/dθ
        jtj = np.einsum("mki,mkj->mij", jac, jac) + np.eye(2) * 1e-9
        jtr = np.einsum("mki,mk->mi", jac, r0)
        step = np.linalg.solve(jtj, jtr[..., None])[..., 0]
        step = np.clip(step, -0.05, 0.05)  # ≤ ~300 km per iteration
        lat = np.clip(lat + step[:, 0], -np.pi / 2 + 1e-6, np.pi / 2 - 1e-6)
        lon = lon + step[:, 1]
    r = _residuals(lat, lon, alt, meas, w_r, w_d)
    return lat, lon, jtj, np.einsum("mk,mk->m", r, r)


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


def estimate(meas: Measurements, alt_km: np.ndarray, range_noise_m: float, range_rate_noise_mps: float) -> Fix:
    """Least-squares position of each terminal from its measurements (vectorised over terminals)."""
    m = meas.range_km.shape[0]
    w_r, w_d = 1000.0 / range_noise_m, 1000.0 / range_rate_noise_mps
    enough = np.isfinite(meas.range_km).sum(axis=1) >= 3
    # Two starts: 250 km either side of the first satellite's ground point, across its track.
    first = np.nan_to_num(meas.sat_pos_km[:, 0, :])
    vel = np.nan_to_num(meas.sat_vel_km_s[:, 0, :])
    up = first / np.maximum(np.linalg.norm(first, axis=-1, keepdims=True), 1e-9)
    side = np.cross(up, vel)
    side /= np.maximum(np.linalg.norm(side, axis=-1, keepdims=True), 1e-12)
    best = None
    for offset_km in (250.0, -250.0, 700.0, -700.0, 0.0):
        guess = (up * EARTH_R_KM + offset_km * side)
        glat, glon, _ = ecef_to_geodetic(guess)
        lat, lon, jtj, cost = _gauss_newton(np.deg2rad(glat), np.deg2rad(glon), alt_km, meas, w_r, w_d)
        if best is None:
            best = [lat, lon, jtj, cost]
        else:
            better = cost < best[3]
            for k, v in enumerate((lat, lon, jtj, cost)):
                best[k] = np.where(better.reshape((-1,) + (1,) * (v.ndim - 1)), v, best[k])
    lat, lon, jtj, cost = best
    # A fit whose whitened residuals are far above their expected size (≈ number of samples) did not converge
    # to the terminal: report no fix rather than a wrong one.
    dof = np.isfinite(meas.range_km).sum(axis=1) * 2
    enough &= cost < 10.0 * np.maximum(dof, 1)
    cov_rad = np.linalg.inv(jtj)
    scale = np.stack([np.full(m, EARTH_R_KM), EARTH_R_KM * np.cos(lat)], axis=-1)  # rad → km (north, east)
    cov = cov_rad * scale[:, :, None] * scale[:, None, :]
    evals, evecs = np.linalg.eigh(cov)
    major = ELLIPSE_95 * np.sqrt(np.maximum(evals[:, 1], 0))
    minor = ELLIPSE_95 * np.sqrt(np.maximum(evals[:, 0], 0))
    angle = np.rad2deg(np.arctan2(evecs[:, 1, 1], evecs[:, 0, 1])) % 180  # major axis, clockwise from north
    nan = np.where(enough, 1.0, np.nan)
    lon_deg = (np.rad2deg(lon) + 180) % 360 - 180
    return Fix(np.rad2deg(lat) * nan, lon_deg * nan, cov, major * nan, minor * nan, angle * nan)


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


def fit_inconsistent(meas: Measurements, reported_lat_deg: np.ndarray, reported_lon_deg: np.ndarray,
                     alt_km: np.ndarray, range_noise_m: float, range_rate_noise_mps: float,
                     false_alarm: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Goodness of fit of the *reported* position itself: (flag, whitened residual cost). Under "the terminal is
    where it says", the cost is χ² with one degree of freedom per finite sample; the position is inconsistent
    when the cost exceeds that distribution's 1 − ``false_alarm`` quantile. Needs no estimate, so it also works
    for a single satellite pass (whose left/right mirror ambiguity rules out a unique fix) and thus for moving
    terminals judged on the current slot alone. Fewer than 3 samples or no reported position → not flagged."""
    from scipy.stats import chi2

    w_r, w_d = 1000.0 / range_noise_m, 1000.0 / range_rate_noise_mps
    lat = np.deg2rad(np.asarray(reported_lat_deg, dtype=float))
    lon = np.deg2rad(np.asarray(reported_lon_deg, dtype=float))
    r = _residuals(np.nan_to_num(lat), np.nan_to_num(lon), alt_km, meas, w_r, w_d)
    cost = np.einsum("mk,mk->m", r, r)
    dof = np.isfinite(meas.range_km).sum(axis=1) + np.isfinite(meas.range_rate_km_s).sum(axis=1)
    ok = np.isfinite(lat) & np.isfinite(lon) & (np.isfinite(meas.range_km).sum(axis=1) >= 3)
    limit = chi2.ppf(1.0 - false_alarm, np.maximum(dof, 1))
    return ok & (cost > limit), np.where(ok, cost, np.nan)
