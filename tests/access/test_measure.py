"""The realistic measurement model (access/measure.py) and the robust fix (access/locate.py).

Independent references: the ionospheric delay against the GPS L1 rule of thumb (1 TECU ≈ 0.162 m at 1575.42 MHz,
scaled by f²); the Saastamoinen zenith delay at standard sea-level pressure ≈ 2.3 m; the robust solver against
``scipy.optimize.least_squares(loss="huber")`` on single terminals; the fix error against the stated tolerance.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from scipy.optimize import least_squares
from scipy.stats import chi2

from leonet.access import locate, measure
from leonet.ground.geometry import look_angles
from leonet.orbits.frames import geodetic_to_ecef_km
from leonet.orbits.presets import preset


def _scene(m: int, slots: int, seed: int, model: measure.ErrorModel | None = None, vel=None):
    rng = np.random.default_rng(seed)
    c = preset("starlink-gen1").with_epoch(datetime(2026, 3, 1, tzinfo=UTC))
    lat, lon, alt = rng.uniform(-50, 50, m), rng.uniform(-180, 180, m), rng.uniform(0.0, 2.0, m)
    x = geodetic_to_ecef_km(lat, lon, alt)
    t = np.concatenate([np.linspace(0, 15, 6, endpoint=False) + 15 * j for j in range(slots)])
    t0 = c.epoch.timestamp() + 5000.0
    pos = c.positions_ecef_km(t0 + t)
    v = c.positions_ecef_km(t0 + t + 0.5) - c.positions_ecef_km(t0 + t - 0.5)
    sat = np.repeat(np.stack([look_angles(x, lat, lon, pos[6 * j])[0].argmax(1) for j in range(slots)], 1), 6, 1)
    k = np.arange(t.size)[None, :]
    vel = np.zeros((m, 3)) if vel is None else vel(lat, lon)
    meas, truth = measure.simulate(x, vel, pos[k, sat], v[k, sat], t, model or measure.ErrorModel(), rng, sat_id=sat)
    return lat, lon, alt, meas, truth


def _err_m(fix, lat, lon):
    return 1000 * np.hypot((fix.lat_deg - lat) * 111.2, (fix.lon_deg - lon) * 111.2 * np.cos(np.radians(lat)))


def test_ionosphere_matches_the_gps_l1_rule_scaled_to_ku():
    l1_m_per_tecu = 0.162  # 40.3e16 / 1575.42e6² (GNSS textbooks: "1 TECU ≈ 16 cm at L1")
    want = 50 * l1_m_per_tecu * (1575.42e6 / measure.UPLINK_HZ) ** 2
    assert measure.ionosphere_delay_m(90.0, 50.0) == pytest.approx(want, rel=0.01)
    assert measure.ionosphere_delay_m(90.0, 50.0) < 0.11  # Ku band: about 10 cm, tiny
    assert measure.ionosphere_delay_m(25.0, 50.0) > measure.ionosphere_delay_m(60.0, 50.0)


def test_troposphere_zenith_delay_and_mapping():
    p = measure.standard_pressure_hpa(0.0)
    zenith = measure.troposphere_delay_m(90.0, 45.0, 0.0, p, 288.15, 0.0)  # dry air: hydrostatic only
    assert p == pytest.approx(1013.25)
    assert zenith == pytest.approx(2.3, abs=0.02)  # Saastamoinen ZHD at 1013 hPa, 45°: 2.31 m
    at30 = measure.troposphere_delay_m(30.0, 45.0, 0.0, p, 288.15, 0.0)
    assert at30 / zenith == pytest.approx(1 / np.sin(np.radians(30)), rel=0.01)  # ≈ 1/sin E at high elevation
    assert measure.standard_pressure_hpa(2.0) == pytest.approx(795.0, abs=1.0)  # ICAO table: 795.0 hPa at 2 km


def test_estimator_recovers_positions_within_tolerance_under_the_realistic_model():
    """Eight 15-s slots (48 samples), clock bias/drift, ephemeris, atmosphere, 5 % outliers, unknown altitude
    (0–2 km, prior 0.3 ± 1 km): horizontal error p50 < 40 m and p95 < 150 m for 150 terminals at once."""
    lat, lon, _, meas, _ = _scene(150, 8, 1)
    fix = locate.robust_fix(meas, np.full(150, 0.3))
    err = _err_m(fix, lat, lon)
    assert np.isnan(fix.lat_deg).mean() < 0.1
    assert np.nanmedian(err) < 40 and np.nanpercentile(err, 95) < 150, (np.nanmedian(err), np.nanpercentile(err, 95))


def test_fix_does_not_depend_on_the_terminal_clock():
    """Clock bias and drift are estimated: 100× larger clock errors move the fix by less than 1 m."""
    small = measure.ErrorModel(clock_bias_sigma_us=0.01, clock_drift_sigma_ppb=0.1, outlier_prob=0.0)
    big = measure.ErrorModel(clock_bias_sigma_us=1.0, clock_drift_sigma_ppb=10.0, outlier_prob=0.0)
    lat, lon, _, meas_s, _ = _scene(40, 6, 2, small)
    _, _, _, meas_b, truth = _scene(40, 6, 2, big)
    a = locate.robust_fix(meas_s, np.full(40, 0.3))
    b = locate.robust_fix(meas_b, np.full(40, 0.3))
    assert np.nanmax(np.abs(truth.clock_bias_km)) > 0.3  # the big clock is really big (> 300 m)
    both = np.isfinite(a.lat_deg) & np.isfinite(b.lat_deg)
    assert both.mean() > 0.8
    shift = 1000 * np.hypot((a.lat_deg - b.lat_deg) * 111.2, (a.lon_deg - b.lon_deg) * 111.2)[both]
    assert shift.max() < 1.0
    assert np.allclose(b.clock_bias_km[both], truth.clock_bias_km[both], atol=0.2)


def test_robust_solver_agrees_with_scipy_least_squares_huber():
    lat, lon, _, meas, _ = _scene(3, 4, 3)
    noise = locate.Noise()
    alt0, vel_sigma = np.full(3, 0.3), np.full(3, noise.speed_sigma_fixed_mps / 1000)
    theta0 = np.zeros((3, 7))
    theta0[:, 0], theta0[:, 1], theta0[:, 2] = np.radians(lat + 0.01), np.radians(lon - 0.01), 0.3
    ours = locate.solve(theta0, meas, noise, alt0, vel_sigma, iterations=30)[0]
    for i in range(3):
        one = type(meas)(meas.sat_pos_km[i:i + 1], meas.sat_vel_km_s[i:i + 1], meas.range_km[i:i + 1],
                         meas.range_rate_km_s[i:i + 1], t_s=meas.t_s[i:i + 1])

        def fun(th, one=one, i=i):
            return locate._residuals(th[None, :], one, noise, alt0[i:i + 1], vel_sigma[i:i + 1])[0]

        ref = least_squares(fun, theta0[i], loss="huber", f_scale=locate.HUBER_K, x_scale=locate.STEPS * 1e3,
                            xtol=1e-12, ftol=1e-12, gtol=1e-12).x
        d_m = 1000 * locate.EARTH_R_KM * np.hypot(ours[i, 0] - ref[0], (ours[i, 1] - ref[1]) * np.cos(ref[0]))
        assert d_m < 2.0, (i, d_m)


def test_fit_statistic_false_alarms_and_detections():
    """Goodness of fit of the reported position over 4 slots: honest terminals pass at the design p = 0.001 in
    ≥ 97 % of cases (outliers, atmosphere and ephemeris are not modelled by the fit); 2-km spoofs are caught in
    ≥ 90 %."""
    m = 200
    lat, lon, _, meas, _ = _scene(m, 4, 4)
    prior = np.full(m, 0.3)
    stat, dof = locate.robust_fit_statistic(meas, lat, lon, prior)
    assert np.mean(chi2.sf(stat, dof) < 1e-3) <= 0.03
    rng = np.random.default_rng(5)
    b = rng.uniform(0, 2 * np.pi, m)
    slat, slon = lat + 2 * np.cos(b) / 111.2, lon + 2 * np.sin(b) / (111.2 * np.cos(np.radians(lat)))
    stat2, dof2 = locate.robust_fit_statistic(meas, slat, slon, prior)
    assert np.mean(chi2.sf(stat2, dof2) < 1e-3) >= 0.9


def test_terminal_motion_is_in_the_doppler():
    """A terminal moving at 30 m/s shifts its range-rate by up to 30 m/s (150× the noise) against a static one."""
    from leonet.ground.geometry import enu_basis

    m = 20

    def vel(lat, lon):
        return 0.030 * enu_basis(lat, lon)[:, 1]  # 30 m/s north
    quiet = measure.ErrorModel(range_noise_m=1e-6, range_rate_noise_mps=1e-6, clock_bias_sigma_us=0,
                               clock_drift_sigma_ppb=0, outlier_prob=0.0)
    _, _, _, still, _ = _scene(m, 1, 7, quiet)
    _, _, _, moving, _ = _scene(m, 1, 7, quiet, vel=vel)
    diff_mps = 1000 * np.abs(moving.range_rate_km_s - still.range_rate_km_s)
    assert diff_mps.max() > 5.0 and diff_mps.max() <= 30.0 + 1e-6


def test_analytic_jacobian_matches_finite_differences():
    """The solver's analytic derivatives against central differences of the model, moving terminals included."""
    _, _, _, meas, _ = _scene(20, 4, 31, vel=lambda la, lo: np.zeros((la.size, 3)) + 0.02)
    noise = locate.Noise()
    rng = np.random.default_rng(5)
    theta = np.zeros((20, 7))
    theta[:, 0] = np.deg2rad(rng.uniform(-50, 50, 20))
    theta[:, 1] = np.deg2rad(rng.uniform(-180, 180, 20))
    theta[:, 2:] = rng.normal(0, 1, (20, 5)) * np.array([0.5, 0.3, 1e-5, 0.02, 0.02])
    alt0, vs = np.full(20, 0.3), np.full(20, 0.04)
    _, jac = locate._residuals(theta, meas, noise, alt0, vs, jacobian=True)
    for p in range(7):
        h = locate.STEPS[p]
        up, dn = theta.copy(), theta.copy()
        up[:, p] += h
        dn[:, p] -= h
        fd = -(locate._residuals(up, meas, noise, alt0, vs) - locate._residuals(dn, meas, noise, alt0, vs)) / (2 * h)
        assert np.abs(jac[..., p] - fd).max() <= 1e-5 * np.abs(fd).max() + 1e-7, p  # central differences: O(h²)
