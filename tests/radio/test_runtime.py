"""The radio runtime on the default scenario's terminals: one slot for all, the dish's seconds for one."""

import numpy as np

from leonet.radio.runtime import RadioRuntime, shell_km_from, slant_range_km
from leonet.scenario import Storm, default_scenario_path, load_scenario
from leonet.scheduler.cells import cells_of


def _inputs(sc, storm=False):
    if storm:
        sc = sc.model_copy(update={"weather": sc.weather.model_copy(update={"storms": [
            Storm(lat_deg=50.45, lon_deg=30.52, radius_km=40, rain_mm_h=50)]})})
    rt = RadioRuntime(sc)
    lat = np.array([t.lat_deg for t in sc.terminals])
    lon = np.array([t.lon_deg for t in sc.terminals])
    m = lat.size
    sat = np.arange(m) % 3 - (np.arange(m) == m - 1)  # last one unserved
    el = np.full(m, 45.0)
    rng_km = slant_range_km(el, 550.0)
    rtt = np.where(sat >= 0, 14.0, np.nan)
    rec = rt.slot(3, 45.0, sc.start.timestamp() + 45.0, lat, lon, cells_of(lat, lon, 5), sat, el, rng_km, rtt,
                  np.zeros(m, bool), np.array([t.demand_mbps for t in sc.terminals]))
    return rt, rec, rtt


def test_slot_and_seconds_agree_and_respect_the_floor():
    sc = load_scenario(default_scenario_path())
    rt, rec, rtt = _inputs(sc)
    served = np.isfinite(rtt)
    assert np.all(rec.pop_ping_latency_ms[served] > rtt[served]) and np.isnan(rec.pop_ping_latency_ms[~served][0])
    assert np.all(rec.downlink_mbps[served] > 0) and np.all(rec.downlink_capacity_mbps >= rec.downlink_mbps - 1e-9)
    assert np.all(rec.modcod[served] >= 0) and rec.pop_ping_drop_rate[~served][0] == 1.0
    lat, drop, dl, ul = rt.seconds(3, 0, np.arange(15), np.full(15, 14.0), np.full(15, 45.0))
    assert lat.shape == (15,) and np.all(lat > 14.0) and drop[0] > drop[5]
    assert abs(np.mean(lat) - rec.pop_ping_latency_ms[0]) < 10.0
    again = rt.seconds(3, 0, np.arange(15), np.full(15, 14.0), np.full(15, 45.0))
    assert np.array_equal(lat, again[0])
    assert rt.seconds(99, 0, np.arange(3), np.full(3, 14.0), np.full(3, 45.0)) is None


def test_storm_cuts_throughput_not_rtt():
    sc = load_scenario(default_scenario_path())
    _, clear, rtt = _inputs(sc)
    _, storm, _ = _inputs(sc, storm=True)
    kyiv = 0  # ut-ua-kyiv-01 sits under the storm
    assert storm.rain_mm_h[kyiv] == 50.0 and clear.rain_mm_h[kyiv] == 0.0
    assert storm.sinr_db[kyiv] < clear.sinr_db[kyiv] - 1.0
    assert storm.downlink_capacity_mbps[kyiv] < clear.downlink_capacity_mbps[kyiv]
    # latency: the same propagation, the same model; only the load term may differ
    assert abs(storm.pop_ping_latency_ms[kyiv] - clear.pop_ping_latency_ms[kyiv]) < 5.0


def test_shell_round_trip():
    assert abs(float(shell_km_from(slant_range_km(30.0, 550.0), 30.0)) - 550.0) < 1e-6
