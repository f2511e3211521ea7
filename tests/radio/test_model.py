"""The slot's radio pipeline: rain cuts throughput, load shares capacity, demand and weather inputs behave."""

from types import SimpleNamespace

import numpy as np
import pytest

from leonet.radio import demand, model, weather
from leonet.radio import linkbudget as lb
from leonet.radio.atmosphere import Climate
from leonet.scenario import Radio, Storm, Weather


def _clim(m):
    return Climate(np.full(m, 2.8), np.full(m, 0.06), np.full(m, 0.01))


def _slot(rain, bg=60.0, demand_mbps=50.0, beams=None):
    m = len(rain)
    d = lb.dish("standard")
    beam = np.arange(m) if beams is None else np.asarray(beams)
    el = np.full(m, 45.0)
    return model.slot(Radio(), beam, np.full(m, 50.0), el, np.full(m, 740.0), np.asarray(rain, float), _clim(m),
                      np.full(m, d.gt_db_k(11.7)), np.full(m, d.tx_eirp_dbw), np.full(m, demand_mbps),
                      np.full(m, bg))


def test_heavy_rain_cuts_capacity():
    out = _slot([0.0, 25.0, 50.0])
    assert out.atm_db[0] < out.atm_db[1] < out.atm_db[2]
    assert out.sinr_db[0] > out.sinr_db[1] > out.sinr_db[2]
    assert out.downlink_capacity_mbps[0] > out.downlink_capacity_mbps[2]
    assert out.uplink_capacity_mbps[0] >= out.uplink_capacity_mbps[2]


def test_load_shares_capacity_and_never_exceeds_demand():
    out = _slot([0.0] * 4, bg=0.0, demand_mbps=1000.0, beams=[0, 0, 0, 0])
    assert np.allclose(out.downlink_mbps, out.downlink_mbps[0])
    assert out.downlink_mbps.sum() == pytest.approx(out.downlink_alone_mbps[0], rel=1e-9)
    assert np.all(out.utilisation == 1.0)
    light = _slot([0.0], bg=0.0, demand_mbps=5.0)
    assert light.downlink_mbps[0] == pytest.approx(5.0) and light.downlink_capacity_mbps[0] > 5.0


def test_unserved_terminals_get_nothing():
    out = _slot([0.0, 0.0], beams=[0, -1])
    assert out.downlink_mbps[1] == 0 and np.isnan(out.sinr_db[1]) and out.modcod[1] == -1


def test_diurnal_profile_peaks_in_the_evening():
    noon = 12 * 3600.0
    assert demand.diurnal_factor(noon, 0.0) < demand.diurnal_factor(23 * 3600.0, 0.0) == 1.0
    assert demand.diurnal_factor(6 * 3600.0, 0.0) == 0.5
    # 15 deg east is one hour later in local solar time
    assert demand.local_hour(noon, 15.0) == pytest.approx(13.0)


def test_bursty_demand_is_deterministic_per_seed_and_slot():
    a = demand.offered_mbps(np.full(1000, 50.0), 5.0, 0.0, 0.0, demand.slot_rng(3, 9))
    b = demand.offered_mbps(np.full(1000, 50.0), 5.0, 0.0, 0.0, demand.slot_rng(3, 9))
    assert np.array_equal(a, b) and set(np.unique(a)) <= {0.0, 50.0}
    assert 0.03 < np.mean(a > 0) < 0.15  # p = 0.9 * 5 / 50


def test_storm_over_a_cell():
    w = Weather(storms=[Storm(lat_deg=50.45, lon_deg=30.52, radius_km=30, rain_mm_h=40, start_s=60, end_s=600)])
    got = weather.rain_mm_h(w, np.array([50.45, 52.0]), np.array([30.52, 21.0]), 120.0)
    assert got.tolist() == [40.0, 0.0]
    assert weather.rain_mm_h(w, np.array([50.45]), np.array([30.52]), 30.0).tolist() == [0.0]
    assert weather.rain_mm_h(SimpleNamespace(preset="heavy", rain_mm_h=None, storms=[]), np.zeros(2),
                             np.zeros(2), 0.0).tolist() == [25.0, 25.0]
