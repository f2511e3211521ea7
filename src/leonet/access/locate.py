"""Robust network-side fix: where is the terminal, given delay and Doppler that carry more than white noise?

Unknowns per terminal (7): latitude, longitude, altitude, clock bias ``b`` (km) and drift ``ḃ`` (km/s), east and
north velocity (km/s). Model of sample k at time t_k (s):

    range_k      = |s_k − x(t_k)| + b + ḃ·t_k,          x(t) = x₀(lat, lon, alt) + v·t
    range_rate_k = (s_k − x(t_k))·(ṡ_k − v)/|s_k − x(t_k)| + ḃ

Altitude and velocity have Gaussian priors (the altitude is unknown: a prior around a guess, e.g. terrain or the
reported height; a terminal that says it is fixed gets a tight zero-velocity prior, a mover a loose one). The
solver is iteratively re-weighted Gauss–Newton (analytic Jacobian) with Huber weights (k = 1.345, 95 % efficiency
under Gaussian noise; Huber 1964, as in ``scipy.optimize.least_squares(loss="huber")``), vectorised over terminals:
every step is a batch of 7×7 normal equations. Ionosphere, troposphere and ephemeris error are not modelled: the
clock bias and drift absorb their common part, the Huber weights the outliers, and the covariance is scaled by the
a-posteriori variance factor when the fit is worse than the assumed noise. tests/access/test_measure.py checks the
solver against ``scipy.optimize.least_squares`` on single terminals and the Jacobian against central differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leonet.access.verify import EARTH_R_KM, ELLIPSE_95, Fix, Measurements
from leonet.ground.geometry import enu_basis
from leonet.orbits.frames import WGS84_A_KM, WGS84_E2, ecef_to_geodetic, geodetic_to_ecef_km

HUBER_K = 1.345
TRIM_Z = 4.0  # |whitened residual| beyond which a sample counts as an outlier for the test statistic
TRIM_CAP = 0.25  # at most this fraction of a terminal's samples can be dropped as outliers
N_PARAMS = 7
STEPS = np.array([1e-7, 1e-7, 1e-3, 1e-3, 1e-6, 1e-6, 1e-6])  # parameter scales (finite-difference steps)


@dataclass
class Noise:
    """The estimator's assumptions (1-σ): measurement noise and priors."""

    range_m: float = 30.0
    range_rate_mps: float = 0.2
    alt_sigma_km: float = 1.0
    speed_sigma_fixed_mps: float = 0.5  # a terminal that reports being at rest
    speed_sigma_moving_mps: float = 40.0  # a terminal that reports moving (≈ 140 km/h)


@dataclass
class RobustFix(Fix):
    """``Fix`` plus the nuisance estimates and the robust cost (2·Σρ_Huber of whitened residuals)."""

    alt_km: np.ndarray
    clock_bias_km: np.ndarray
    clock_drift_km_s: np.ndarray
    vel_en_km_s: np.ndarray  # (M, 2)
    cost: np.ndarray
    dof: np.ndarray


def predict(theta: np.ndarray, meas: Measurements) -> tuple[np.ndarray, np.ndarray]:
    """Model range (km) and range-rate (km/s), (M, K) each, for parameters theta (M, 7)."""
    rho, rate, _ = _model(theta, meas, jacobian=False)
    return rho, rate


def _model(theta: np.ndarray, meas: Measurements, jacobian: bool = True):
    """Model range and range-rate (M, K) and, with ``jacobian``, their analytic derivatives (M, K, 7) each with
    respect to theta. With rel = s − x, ρ = |rel|, u = rel/ρ, w = ṡ − v: ∂ρ/∂x = −u, ∂ρ̇/∂x = −(w − (u·w)u)/ρ,
    ∂ρ̇/∂v = −u + t·∂ρ̇/∂x, ∂x/∂v = t; x = X(lat, lon, alt) + v·t with ∂X/∂lat = (M + h)·N̂, ∂X/∂lon =
    (N + h)·cos(lat)·Ê, ∂X/∂alt = Û (WGS84 radii of curvature M, N), and the turn of Ê, N̂ (hence of v) with
    lat/lon."""
    lat, lon = theta[:, 0], theta[:, 1]
    lat_deg, lon_deg = np.rad2deg(lat), np.rad2deg(lon)
    basis = enu_basis(lat_deg, lon_deg)  # (M, 3, 3) rows E, N, U
    v = theta[:, 5:6] * basis[:, 0] + theta[:, 6:7] * basis[:, 1]  # (M, 3)
    t = _times(meas)
    x = geodetic_to_ecef_km(lat_deg, lon_deg, theta[:, 2])[:, None, :] + v[:, None, :] * t[..., None]
    rel = meas.sat_pos_km - x
    rho = np.sqrt((rel * rel).sum(axis=-1))
    w = meas.sat_vel_km_s - v[:, None, :]
    rw = (rel * w).sum(axis=-1)
    rng = rho + theta[:, 3:4] + theta[:, 4:5] * t
    rate = rw / rho + theta[:, 4:5]
    if not jacobian:
        return rng, rate, None
    u = rel / rho[..., None]
    d_rate_dx = -(w - (rw / rho)[..., None] * u) / rho[..., None]  # (M, K, 3)
    s2 = np.sin(lat) ** 2
    n_rad = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * s2)
    m_rad = WGS84_A_KM * (1.0 - WGS84_E2) / (1.0 - WGS84_E2 * s2) ** 1.5
    h = theta[:, 2]
    dx = np.stack([((m_rad + h)[:, None] * basis[:, 1]), ((n_rad + h) * np.cos(lat))[:, None] * basis[:, 0],
                   basis[:, 2]], axis=1)  # (M, 3 params, 3): ∂X/∂(lat, lon, alt)
    j_rng = np.zeros(rho.shape + (N_PARAMS,))
    j_rate = np.zeros(rho.shape + (N_PARAMS,))
    j_rng[..., :3] = -(u @ dx.swapaxes(1, 2))
    j_rate[..., :3] = (d_rate_dx @ dx.swapaxes(1, 2))
    j_rng[..., 3] = 1.0
    j_rng[..., 4] = t
    j_rate[..., 4] = 1.0
    d_rate_dv = -u + t[..., None] * d_rate_dx
    en = basis[:, :2]  # (M, 2, 3): ∂v/∂(ve, vn)
    j_rng[..., 5:] = -t[..., None] * (u @ en.swapaxes(1, 2))
    j_rate[..., 5:] = (d_rate_dv @ en.swapaxes(1, 2))
    # v = ve·Ê + vn·N̂ turns with lat/lon: ∂N̂/∂lat = −Û, ∂Ê/∂lon = −(cos(lat)·Û − sin(lat)·N̂), ∂N̂/∂lon = −sin(lat)·Ê.
    ve, vn = theta[:, 5:6], theta[:, 6:7]
    sl, cl = np.sin(lat)[:, None], np.cos(lat)[:, None]
    dv = np.stack([-vn * basis[:, 2], -ve * (cl * basis[:, 2] - sl * basis[:, 1]) - vn * sl * basis[:, 0]], axis=1)
    j_rng[..., :2] -= t[..., None] * (u @ dv.swapaxes(1, 2))
    j_rate[..., :2] += (d_rate_dv @ dv.swapaxes(1, 2))
    return rng, rate, (j_rng, j_rate)


def _times(meas: Measurements) -> np.ndarray:
    if meas.t_s is None:
        raise ValueError("Measurements.t_s (sample times) is needed for the clock-drift term")
    return np.broadcast_to(meas.t_s, meas.range_km.shape)


def _residuals(theta, meas, noise: Noise, alt0, vel_sigma, jacobian: bool = False):
    """Whitened residuals (M, 2K + 3): measurements (NaN → 0), then the altitude and velocity priors; with
    ``jacobian`` also −∂residual/∂theta (M, 2K + 3, 7) (zero rows for missing samples)."""
    rho, rate, jac = _model(theta, meas, jacobian)
    sr, sd = noise.range_m / 1000.0, noise.range_rate_mps / 1000.0
    r1 = np.nan_to_num((meas.range_km - rho) / sr)
    r2 = np.nan_to_num((meas.range_rate_km_s - rate) / sd)
    pri = np.stack([(alt0 - theta[:, 2]) / noise.alt_sigma_km, -theta[:, 5] / vel_sigma,
                    -theta[:, 6] / vel_sigma], axis=-1)
    r = np.concatenate([r1, r2, pri], axis=1)
    if not jacobian:
        return r
    j_pri = np.zeros((theta.shape[0], 3, N_PARAMS))
    j_pri[:, 0, 2] = 1.0 / noise.alt_sigma_km
    j_pri[:, 1, 5] = 1.0 / vel_sigma
    j_pri[:, 2, 6] = 1.0 / vel_sigma
    j = np.concatenate([np.nan_to_num(jac[0] / sr), np.nan_to_num(jac[1] / sd), j_pri], axis=1)
    j[:, :-3][~np.isfinite(np.concatenate([meas.range_km, meas.range_rate_km_s], axis=1))] = 0.0
    return r, j


def _huber_weights(r: np.ndarray, n_meas: int) -> np.ndarray:
    a = np.abs(r)
    w = np.where(a <= HUBER_K, 1.0, HUBER_K / np.maximum(a, 1e-12))
    w[:, n_meas:] = 1.0  # priors are not down-weighted
    return w


def huber_cost(r: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """2·Σ ρ_Huber over valid entries (equals Σ r² when no residual exceeds k)."""
    a = np.abs(r)
    rho = np.where(a <= HUBER_K, 0.5 * a**2, HUBER_K * a - 0.5 * HUBER_K**2)
    return 2.0 * np.sum(rho * valid, axis=1)


def trimmed_chi2(r: np.ndarray, valid: np.ndarray, n_meas: int, z: float = TRIM_Z,
                 cap: float = TRIM_CAP) -> tuple[np.ndarray, np.ndarray]:
    """Σ r² over the valid residuals after dropping outliers: measurement residuals beyond ``z`` σ, at most the
    largest ``cap`` fraction of a terminal's measurements (a displaced terminal shifts them all, so it cannot hide
    behind the trimming). Returns (statistic, number of measurements kept), (M,) each."""
    a = np.where(valid, np.abs(r), 0.0)
    meas_a = a[:, :n_meas]
    n_valid = valid[:, :n_meas].sum(axis=1)
    rank = np.argsort(np.argsort(-meas_a, axis=1), axis=1)  # 0 = largest residual
    drop = (meas_a > z) & (rank < np.floor(cap * n_valid)[:, None])
    keep = valid.copy()
    keep[:, :n_meas] &= ~drop
    return np.sum(np.where(keep, r, 0.0) ** 2, axis=1), keep[:, :n_meas].sum(axis=1)


def solve(theta0: np.ndarray, meas: Measurements, noise: Noise, alt0: np.ndarray, vel_sigma: np.ndarray,
          free: np.ndarray | None = None, iterations: int = 15) -> tuple[np.ndarray, ...]:
    """IRLS-Huber Gauss–Newton from theta0 (M, 7). ``free`` (7,) bool: parameters to estimate (others stay at
    theta0). Returns (theta, information matrix JᵀWJ (M, 7, 7), robust cost, trimmed χ² statistic, measurements
    kept), the last three (M,)."""
    free = np.ones(N_PARAMS, dtype=bool) if free is None else np.asarray(free, dtype=bool)
    theta = theta0.copy()
    k = meas.range_km.shape[1]
    valid = np.concatenate([np.isfinite(meas.range_km), np.isfinite(meas.range_rate_km_s),
                            np.ones((theta.shape[0], 3), dtype=bool)], axis=1)
    pin = np.diag(np.where(free, 0.0, 1.0))
    for _ in range(iterations):
        r0, jac = _residuals(theta, meas, noise, alt0, vel_sigma, jacobian=True)
        jac = jac * free
        w = _huber_weights(r0, 2 * k) * valid
        jw_t = (jac * w[..., None]).swapaxes(1, 2)  # (M, 7, K'): batched matmul, far faster than a 3-operand einsum
        info = jw_t @ jac
        rhs = jw_t @ r0[..., None]
        step = np.linalg.solve(info + pin + np.eye(N_PARAMS) * 1e-12, rhs)[..., 0]
        step[:, :2] = np.clip(step[:, :2], -0.05, 0.05)  # ≤ ~300 km per iteration
        theta = theta + step * free
        theta[:, 0] = np.clip(theta[:, 0], -np.pi / 2 + 1e-6, np.pi / 2 - 1e-6)
    r = _residuals(theta, meas, noise, alt0, vel_sigma)
    stat, kept = trimmed_chi2(r, valid, 2 * k)
    return theta, info, huber_cost(r, valid), stat, kept


def _starts(meas: Measurements, alt0: np.ndarray) -> list[np.ndarray]:
    """Start points 0, ±250 and ±700 km across the first measured satellite's ground track (breaks the mirror
    ambiguity)."""
    k0 = np.argmax(np.isfinite(meas.range_km) & np.isfinite(meas.sat_pos_km).all(axis=-1), axis=1)
    rows = np.arange(meas.range_km.shape[0])
    first = np.nan_to_num(meas.sat_pos_km[rows, k0])
    vel = np.nan_to_num(meas.sat_vel_km_s[rows, k0])
    up = first / np.maximum(np.linalg.norm(first, axis=-1, keepdims=True), 1e-9)
    side = np.cross(up, vel)
    side /= np.maximum(np.linalg.norm(side, axis=-1, keepdims=True), 1e-12)
    out = []
    for offset_km in (250.0, -250.0, 700.0, -700.0, 0.0):
        glat, glon, _ = ecef_to_geodetic(up * EARTH_R_KM + offset_km * side)
        theta = np.zeros((first.shape[0], N_PARAMS))
        theta[:, 0], theta[:, 1], theta[:, 2] = np.deg2rad(glat), np.deg2rad(glon), alt0
        out.append(theta)
    return out


def _n_meas(meas: Measurements) -> np.ndarray:
    return np.isfinite(meas.range_km).sum(axis=1) + np.isfinite(meas.range_rate_km_s).sum(axis=1)


def _vel_sigma(noise: Noise, moving, m: int) -> np.ndarray:
    mov = np.zeros(m, dtype=bool) if moving is None else np.asarray(moving, dtype=bool)
    return np.where(mov, noise.speed_sigma_moving_mps, noise.speed_sigma_fixed_mps) / 1000.0


def robust_fix(meas: Measurements, alt_prior_km: np.ndarray, moving: np.ndarray | None = None,
               noise: Noise | None = None) -> RobustFix:
    """Position of M terminals (vectorised) from measurements with clock terms, unknown altitude and outliers.

    alt_prior_km (M,) centre of the altitude prior; moving (M,) bool selects the loose velocity prior. No fix (NaN)
    when fewer than 6 range samples, when the trimmed χ² stays far above its degrees of freedom, or when the
    solution is ambiguous: another start converged to a place more than max(1 km, 3 × the 95 % ellipse) away that
    fits almost as well (a single satellite pass cannot tell its two sides apart).
    """
    noise = noise or Noise()
    m = meas.range_km.shape[0]
    alt0 = np.broadcast_to(np.asarray(alt_prior_km, dtype=float), (m,)).copy()
    vel_sigma = _vel_sigma(noise, moving, m)
    runs = [solve(theta0, meas, noise, alt0, vel_sigma) for theta0 in _starts(meas, alt0)]
    costs = np.stack([r[2] for r in runs])  # (S, M)
    pick = costs.argmin(axis=0)
    cols = np.arange(m)
    theta = np.stack([r[0] for r in runs])[pick, cols]
    info = np.stack([r[1] for r in runs])[pick, cols]
    stat = np.stack([r[3] for r in runs])[pick, cols]
    kept = np.stack([r[4] for r in runs])[pick, cols]
    dof = np.maximum(kept - 4, 1)  # 7 unknowns, 3 priors
    var = np.maximum(1.0, stat / dof)
    cov_rad = np.linalg.inv(info + np.eye(N_PARAMS) * 1e-12)[:, :2, :2] * var[:, None, None]
    scale = np.stack([np.full(m, EARTH_R_KM), EARTH_R_KM * np.cos(theta[:, 0])], axis=-1)
    cov = cov_rad * scale[:, :, None] * scale[:, None, :]
    evals, evecs = np.linalg.eigh(cov)
    major = ELLIPSE_95 * np.sqrt(np.maximum(evals[:, 1], 0))
    ambiguous = np.zeros(m, dtype=bool)
    for run in runs:
        d_km = EARTH_R_KM * np.hypot(run[0][:, 0] - theta[:, 0],
                                     (run[0][:, 1] - theta[:, 1]) * np.cos(theta[:, 0]))
        close_fit = run[2] - costs.min(axis=0) < 9.0 * var
        ambiguous |= close_fit & (d_km > np.maximum(1.0, 3.0 * major))
    enough = (np.isfinite(meas.range_km).sum(axis=1) >= 6) & (stat < 10.0 * dof) & ~ambiguous
    nan = np.where(enough, 1.0, np.nan)
    return RobustFix(
        lat_deg=np.rad2deg(theta[:, 0]) * nan, lon_deg=((np.rad2deg(theta[:, 1]) + 180) % 360 - 180) * nan,
        cov_km2=cov, major_km=major * nan, minor_km=ELLIPSE_95 * np.sqrt(np.maximum(evals[:, 0], 0)) * nan,
        angle_deg=(np.rad2deg(np.arctan2(evecs[:, 1, 1], evecs[:, 0, 1])) % 180) * nan,
        alt_km=theta[:, 2] * nan, clock_bias_km=theta[:, 3] * nan, clock_drift_km_s=theta[:, 4] * nan,
        vel_en_km_s=theta[:, 5:7] * nan[:, None], cost=stat, dof=dof)


def robust_fit_statistic(meas: Measurements, reported_lat_deg: np.ndarray, reported_lon_deg: np.ndarray,
                         alt_prior_km: np.ndarray, moving: np.ndarray | None = None,
                         noise: Noise | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Goodness of fit of the *reported* position: latitude and longitude pinned there, the nuisance terms
    (altitude, clock, velocity) estimated by the robust fit. Returns (trimmed χ² statistic, degrees of freedom)
    per terminal; the statistic is ≈ χ²(dof) when the terminal is where it says. Needs no unique fix, so it works
    on a single pass. NaN when no position or fewer than 4 range samples."""
    noise = noise or Noise()
    m = meas.range_km.shape[0]
    alt0 = np.broadcast_to(np.asarray(alt_prior_km, dtype=float), (m,)).copy()
    lat = np.deg2rad(np.asarray(reported_lat_deg, dtype=float))
    lon = np.deg2rad(np.asarray(reported_lon_deg, dtype=float))
    ok = np.isfinite(lat) & np.isfinite(lon) & (np.isfinite(meas.range_km).sum(axis=1) >= 4)
    theta = np.zeros((m, N_PARAMS))
    theta[:, 0], theta[:, 1], theta[:, 2] = np.nan_to_num(lat), np.nan_to_num(lon), alt0
    free = np.array([False, False, True, True, True, True, True])
    _, _, _, stat, kept = solve(theta, meas, noise, alt0, _vel_sigma(noise, moving, m), free=free, iterations=4)
    return np.where(ok, stat, np.nan), np.maximum(kept - 2, 1)  # 5 free unknowns, 3 priors
