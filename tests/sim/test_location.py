"""The simulation's location check (sim/location.py) on the realistic measurement model (access/measure.py: clock
bias and drift, ephemeris error, ionosphere, troposphere, 5 % multipath outliers, the terminal's own motion) and the
robust estimator (access/locate.py). Geometry: starlink-gen1, the highest satellite at each slot's start serves.

Independent reference: the design false-alarm rate (p = 0.001 per check, two inconsistent windows in a row to flag)
and the truth the checker never sees (the tests compare its fixes with the true positions)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from leonet.ground.geometry import enu_basis, look_angles
from leonet.orbits.frames import geodetic_to_ecef_km
from leonet.orbits.presets import preset
from leonet.scenario import LocationCheck
from leonet.sim.location import LocationChecker


def _run(lat, lon, rep_lat, rep_lon, speed_kmh, slots=10, seed=5, cfg=None):
    """Run the checker over ``slots`` 15-s slots; terminals drive north at speed_kmh (M,)."""
    c = preset("starlink-gen1").with_epoch(datetime(2026, 3, 1, tzinfo=UTC))
    m = lat.size
    chk = LocationChecker(cfg or LocationCheck(), m, c.num_sats, 15.0, np.random.default_rng(seed))
    t0 = c.epoch.timestamp() + 7200.0
    north = enu_basis(lat, lon)[:, 1]
    flagged_ever = np.zeros(m, dtype=bool)
    for k in range(slots):
        t_s = 15.0 * k
        la = lat + speed_kmh / 3600 * t_s / 111.2
        x = geodetic_to_ecef_km(la, lon, np.zeros(m))
        pos = c.positions_ecef_km(np.array([t0 + t_s]))[0]
        el = look_angles(x, la, lon, pos)[0]
        sat = np.where(el.max(axis=1) > 25, el.argmax(axis=1), -1)
        moving_rep = np.where(np.isfinite(rep_lat) & (speed_kmh > 0), rep_lat + speed_kmh / 3600 * t_s / 111.2,
                              rep_lat)
        chk.check(c.positions_ecef_km, t_s, t0 + t_s, x, north * (speed_kmh / 3600)[:, None], sat, moving_rep,
                  rep_lon, speed_kmh)
        flagged_ever |= chk.flagged
    return chk, flagged_ever, lat + speed_kmh / 3600 * 15.0 * (slots - 1) / 111.2


def _offset(lat, lon, d_km, rng):
    b = rng.uniform(0, 2 * np.pi, lat.size)
    return lat + d_km * np.cos(b) / 111.2, lon + d_km * np.sin(b) / (111.2 * np.cos(np.radians(lat)))


def test_honest_terminals_at_rest_are_rarely_flagged_and_their_fix_is_close():
    rng = np.random.default_rng(1)
    lat, lon = rng.uniform(40, 56, 400), rng.uniform(0, 40, 400)
    chk, flagged, _ = _run(lat, lon, lat, lon, np.zeros(400))
    assert flagged.mean() <= 0.01  # p = 0.001 per window, two windows in a row; tail from outliers and geometry
    err_km = np.hypot((chk.est_lat - lat) * 111.2, (chk.est_lon - lon) * 111.2 * np.cos(np.radians(lat)))
    have = np.isfinite(err_km)
    assert have.mean() > 0.8 and np.median(err_km[have]) < 0.1  # a 60-s window: tens of metres (docs/sim.md)


def test_spoofed_reports_are_flagged_within_two_windows():
    rng = np.random.default_rng(2)
    lat, lon = rng.uniform(40, 56, 300), rng.uniform(0, 40, 300)
    for d_km, want in ((2.0, 0.9), (30.0, 0.97)):
        rlat, rlon = _offset(lat, lon, d_km, rng)
        _, flagged, _ = _run(lat, lon, rlat, rlon, np.zeros(300), seed=int(d_km))
        assert flagged.mean() >= want, (d_km, flagged.mean())


def test_moving_terminals_honest_pass_and_far_spoofs_are_caught():
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(44, 54, 300), rng.uniform(5, 35, 300)
    speed = rng.uniform(60, 110, 300)
    _, honest, _ = _run(lat, lon, lat, lon, speed)
    assert honest.mean() <= 0.02
    rlat, rlon = _offset(lat, lon, 30.0, rng)
    _, spoofed, _ = _run(lat, lon, rlat, rlon, speed, seed=9)
    assert spoofed.mean() >= 0.8


def test_no_report_is_never_judged_but_gets_a_fix():
    rng = np.random.default_rng(4)
    lat, lon = rng.uniform(40, 56, 100), rng.uniform(0, 40, 100)
    nan = np.full(100, np.nan)
    chk, flagged, _ = _run(lat, lon, nan, nan, np.zeros(100))
    assert not flagged.any() and np.isnan(chk.d2).all()
    err_km = np.hypot((chk.est_lat - lat) * 111.2, (chk.est_lon - lon) * 111.2 * np.cos(np.radians(lat)))
    assert np.isfinite(err_km).mean() > 0.8 and np.nanmedian(err_km) < 0.1


def test_beyond_max_checks_per_slot_each_terminal_is_judged_less_often_but_still_caught():
    """With 300 terminals and at most 50 judged per slot, each is judged every 6th slot on its last 4 slots of
    samples (only those are measured): spoofers are still flagged after two windows, honest ones are not."""
    rng = np.random.default_rng(6)
    lat, lon = rng.uniform(40, 56, 300), rng.uniform(0, 40, 300)
    rlat, rlon = _offset(lat, lon, 30.0, rng)
    cfg = LocationCheck(max_checks_per_slot=50)
    chk, flagged, _ = _run(lat, lon, rlat, rlon, np.zeros(300), slots=14, seed=7, cfg=cfg)
    assert chk._period(300) == 6 and flagged.mean() >= 0.95
    _, honest, _ = _run(lat, lon, lat, lon, np.zeros(300), slots=14, seed=8, cfg=cfg)
    assert honest.mean() <= 0.01
