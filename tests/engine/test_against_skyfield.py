"""Positions and look angles for real Starlink TLEs (CelesTrak, May 2020) against skyfield, an independent
implementation. Tolerances: 1 m in position, 0.001° in angles, as issue 3 requires."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources

import numpy as np
import pytest
from skyfield.api import EarthSatellite, load, wgs84
from skyfield.framelib import itrs

from leonet.ground.geometry import look_angles
from leonet.orbits.frames import ecef_to_geodetic, geodetic_to_ecef_km, teme_to_ecef_km
from leonet.orbits.propagate import sgp4_teme_km
from leonet.orbits.timegrid import unix_s
from leonet.orbits.tle import read_tles

TLE_PATH = resources.files("leonet") / "data" / "starlink_sample.tle"
EPOCHS = [datetime(2020, 5, 7, 4, 0, tzinfo=UTC), datetime(2020, 5, 7, 16, 30, 5, tzinfo=UTC),
          datetime(2020, 5, 8, 9, 15, 42, tzinfo=UTC)]


@pytest.fixture(scope="module")
def tles():
    return read_tles(TLE_PATH)


@pytest.fixture(scope="module")
def sky():
    ts = load.timescale(builtin=True)
    return ts


def _sky_sats(tles, ts):
    return [EarthSatellite(r[1], r[2], name, ts) for name, r in zip(tles.names, tles.records, strict=True)]


@pytest.mark.parametrize("when", EPOCHS)
def test_ecef_positions_within_1_m(tles, sky, when):
    t = sky.from_datetime(when)
    sats = _sky_sats(tles, sky)[:40]
    expected = np.array([s.at(t).frame_xyz(itrs).km for s in sats])  # skyfield ITRS, no polar motion loaded
    r_teme, err = sgp4_teme_km(tles, np.array([unix_s(when)]))
    ours = teme_to_ecef_km(r_teme, np.array([unix_s(when)]), dut1_s=float(t.dut1))[0][:40]
    assert (err == 0).all()
    assert np.abs(ours - expected).max() * 1000.0 < 1.0  # metres


@pytest.mark.parametrize("when", EPOCHS)
def test_geodetic_within_1_m_and_0_001_deg(tles, sky, when):
    t = sky.from_datetime(when)
    sats = _sky_sats(tles, sky)[:40]
    ref = [wgs84.geographic_position_of(s.at(t)) for s in sats]
    r_teme, _ = sgp4_teme_km(tles, np.array([unix_s(when)]))
    lat, lon, alt = ecef_to_geodetic(teme_to_ecef_km(r_teme, np.array([unix_s(when)]), float(t.dut1))[0][:40])
    assert np.abs(lat - [p.latitude.degrees for p in ref]).max() < 1e-5
    dlon = (lon - np.array([p.longitude.degrees for p in ref]) + 180) % 360 - 180
    assert np.abs(dlon).max() < 1e-5
    assert np.abs(alt - [p.elevation.km for p in ref]).max() * 1000 < 1.0


@pytest.mark.parametrize("when", EPOCHS)
def test_look_angles_within_0_001_deg(tles, sky, when):
    t = sky.from_datetime(when)
    sats = _sky_sats(tles, sky)
    sites = [(50.45, 30.52, 0.18), (52.23, 21.01, 0.1), (-33.87, 151.21, 0.0)]  # Kyiv, Warsaw, Sydney
    r_teme, _ = sgp4_teme_km(tles, np.array([unix_s(when)]))
    sat_ecef = teme_to_ecef_km(r_teme, np.array([unix_s(when)]), float(t.dut1))[0]
    lat = np.array([s[0] for s in sites])
    lon = np.array([s[1] for s in sites])
    site_ecef = geodetic_to_ecef_km(lat, lon, np.array([s[2] for s in sites]))
    el, az, rng = look_angles(site_ecef, lat, lon, sat_ecef)
    for g, (la, lo, h) in enumerate(sites):
        topos = wgs84.latlon(la, lo, elevation_m=h * 1000)
        for n, sat in enumerate(sats[:30]):
            alt_ref, az_ref, dist_ref = (sat - topos).at(t).altaz()
            assert abs(el[g, n] - alt_ref.degrees) < 1e-3
            assert abs((az[g, n] - az_ref.degrees + 180) % 360 - 180) < 1e-3
            assert abs(rng[g, n] - dist_ref.km) * 1000 < 1.0


def test_geodetic_round_trip():
    lat = np.array([-89.9, -45.0, 0.0, 30.0, 89.9])
    lon = np.array([-179.9, -10.0, 0.0, 100.0, 179.9])
    alt = np.array([0.0, 0.5, 550.0, 35_786.0, -0.1])
    la, lo, al = ecef_to_geodetic(geodetic_to_ecef_km(lat, lon, alt))
    assert np.allclose(la, lat, atol=1e-9) and np.allclose(lo, lon, atol=1e-9) and np.allclose(al, alt, atol=1e-6)
