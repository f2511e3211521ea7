"""Network-side location check for *moving* terminals: the goodness of fit of the reported position on one
satellite pass (no fix needed). Geometry from starlink-gen1, noise as in the default scenario (30 m, 0.2 m/s)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from leonet.access import verify
from leonet.ground.geometry import look_angles
from leonet.orbits.frames import geodetic_to_ecef_km
from leonet.orbits.presets import preset


def _one_pass(m: int, rng):
    c = preset("starlink-gen1").with_epoch(datetime(2026, 3, 1, tzinfo=UTC))
    lat, lon = rng.uniform(44, 56, m), rng.uniform(0, 40, m)
    x = geodetic_to_ecef_km(lat, lon, np.zeros(m))
    times = c.epoch.timestamp() + 3600 + np.linspace(0, 15, 6, endpoint=False)
    pos = c.positions_ecef_km(times)
    vel = c.positions_ecef_km(times + 0.5) - c.positions_ecef_km(times - 0.5)
    el, _, _ = look_angles(x, lat, lon, pos[0])
    sat = el.argmax(1)
    sp, sv = np.transpose(pos[:, sat], (1, 0, 2)), np.transpose(vel[:, sat], (1, 0, 2))
    return lat, lon, verify.simulate(x, sp, sv, 30.0, 0.2, rng)


def test_honest_reports_pass_and_false_alarms_match_the_design_rate():
    rng = np.random.default_rng(21)
    lat, lon, meas = _one_pass(4000, rng)
    flag, cost = verify.fit_inconsistent(meas, lat, lon, np.zeros(lat.size), 30.0, 0.2, false_alarm=1e-3)
    assert np.isfinite(cost).all()
    assert flag.mean() < 0.005  # designed 0.1 % per check; the simulation then needs two in a row
    assert abs(np.median(cost) - 11.3) < 1.5  # χ²(12 dof) median ≈ 11.34: the noise model is the one assumed


def test_reports_spoofed_by_a_few_kilometres_are_caught_on_one_pass():
    rng = np.random.default_rng(22)
    lat, lon, meas = _one_pass(2000, rng)
    for d_km, want in ((2.0, 0.95), (20.0, 0.999)):
        bearing = rng.uniform(0, 2 * np.pi, lat.size)
        rlat = lat + d_km * np.cos(bearing) / 111.2
        rlon = lon + d_km * np.sin(bearing) / (111.2 * np.cos(np.radians(lat)))
        flag, _ = verify.fit_inconsistent(meas, rlat, rlon, np.zeros(lat.size), 30.0, 0.2)
        assert flag.mean() >= want, (d_km, flag.mean())


def test_no_reported_position_or_too_few_samples_is_not_judged():
    rng = np.random.default_rng(23)
    lat, lon, meas = _one_pass(3, rng)
    meas.range_km[2, 2:] = np.nan
    flag, cost = verify.fit_inconsistent(meas, np.array([np.nan, lat[1], lat[2]]), lon, np.zeros(3), 30.0, 0.2)
    assert not flag[0] and np.isnan(cost[0]) and np.isnan(cost[2]) and np.isfinite(cost[1])
