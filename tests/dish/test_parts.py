"""The dish's own parts without a simulation: settings, ring buffers, power and map geometry, gRPC-Web frames."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from leonet.dish import gnss, grpcweb, models
from leonet.dish.protocol import dish_config_pb2
from leonet.dish.settings import ConfigError, DishSettings
from leonet.dish.timebase import HISTORY_N, RingHistory, Second
from leonet.radio.linkbudget import DISHES

T0 = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)


def test_set_config_applies_only_flagged_fields_and_checks_the_sleep_window():
    s = DishSettings(boot_utc=T0)
    cfg = dish_config_pb2.DishConfig(snow_melt_mode=dish_config_pb2.DishConfig.ALWAYS_ON, apply_snow_melt_mode=True,
                                     power_save_mode=True)  # power_save_mode without its apply flag: ignored
    out = s.set_config(cfg)
    assert out.snow_melt_mode == dish_config_pb2.DishConfig.ALWAYS_ON and not out.power_save_mode
    assert not s.location_allowed()
    s.set_config(dish_config_pb2.DishConfig(location_request_mode=dish_config_pb2.DishConfig.LOCAL,
                                            apply_location_request_mode=True))
    assert s.location_allowed()
    with pytest.raises(ConfigError, match="power_save_duration_minutes"):
        s.power_save(60, 0, True)
    with pytest.raises(ConfigError, match="power_save_start_minutes"):
        s.power_save(1440, 30, True)
    s.power_save(23 * 60 + 30, 60, True)  # 23:30 for an hour: wraps past midnight
    assert s.sleeping(T0.replace(hour=23, minute=45)) and s.sleeping(T0.replace(hour=0, minute=29))
    assert not s.sleeping(T0.replace(hour=0, minute=30)) and not s.sleeping(T0.replace(hour=23, minute=29))


def _second(c0: int, n: int, cause: str = "") -> Second:
    v = np.arange(c0, c0 + n, dtype=float)
    return Second(latency_ms=v, drop_rate=np.zeros(n), downlink_bps=v * 10, uplink_bps=v, power_w=np.full(n, 80.0),
                  az_deg=np.zeros(n), el_deg=np.full(n, 60.0), cause=[cause] * n,
                  t_utc=[T0 + timedelta(seconds=c0 + k) for k in range(n)])


def test_ring_buffer_keeps_second_c_at_c_mod_900():
    h = RingHistory(T0)
    h.write(_second(0, 1000))
    assert h.count == 1000
    c = np.arange(100, 1000)  # the newest 900 seconds
    assert np.array_equal(h.buf["latency_ms"][c % HISTORY_N], c.astype(float))
    before = h.buf["latency_ms"].copy()
    h.write(_second(1000, 1))
    changed = np.flatnonzero(h.buf["latency_ms"] != before)
    assert changed.tolist() == [1000 % HISTORY_N]
    assert h.window(3, "latency_ms").tolist() == [998.0, 999.0, 1000.0]


def test_outage_runs_join_consecutive_seconds_of_one_cause():
    h = RingHistory(T0)
    h.write(_second(0, 5))
    h.write(_second(5, 3, "NO_SCHEDULE"))
    h.write(_second(8, 2, "NO_SCHEDULE"))
    h.write(_second(10, 1, "STOWED"))
    assert [(o[0], o[1], o[2]) for o in h.outages] == [(T0 + timedelta(seconds=5), 5.0, "NO_SCHEDULE"),
                                                       (T0 + timedelta(seconds=10), 1.0, "STOWED")]
    assert h.current_outage()[2] == "STOWED"
    assert h.seconds_since_outage(T0 + timedelta(seconds=20), 5) == pytest.approx(10.0)


def test_power_by_model_and_state_stays_in_the_published_bands():
    state = np.array([0, 0, 1, 2, 3])
    load = np.array([0.0, 1.0, 0.0, 0.0, 0.0])
    assert models.power_w("standard", state, load).tolist() == [75.0, 100.0, 75.0, 20.0, 100.0]
    assert models.power_w("mini", state, load).tolist() == [20.0, 40.0, 20.0, 15.0, 40.0]
    assert models.dish_model("mini1_prod2") == "mini" and models.dish_model("rev4_prod2") == "standard"
    assert set(models.POWER) <= set(DISHES)  # the scenario's dish models


def test_obstruction_map_geometry():
    az, el, inside = models.sky_grid()
    assert inside.sum() == pytest.approx(np.pi * (models.MAP_N / 2) ** 2, rel=0.02)
    assert not inside[0, 0] and inside[models.MAP_N // 2, models.MAP_N // 2]
    row, col, ok = models.map_index(np.array([0.0, 90.0, 0.0]), np.array([90.0 - 65.0 + 1, 45.0, 10.0]))
    assert ok.tolist() == [True, True, False]  # 10° elevation is outside the dish's 65° field of view
    assert row[0] < models.MAP_N // 2 and col[1] > models.MAP_N // 2  # north is up, east is right
    blocked = models.obstructed(np.array([350.0, 5.0, 20.0, 5.0]), np.array([30.0, 30.0, 30.0, 50.0]),
                                [(340.0, 10.0, 40.0)])
    assert blocked.tolist() == [True, True, False, False]


def test_grpcweb_frames_and_text_encoding():
    body = grpcweb.frame(b"abc") + grpcweb.frame(b"grpc-status:0\r\n", trailer=True)
    assert grpcweb.unframe(body) == [(0, b"abc"), (0x80, b"grpc-status:0\r\n")]
    chunks = base64.b64encode(grpcweb.frame(b"x")) + base64.b64encode(grpcweb.frame(b"yz"))
    assert grpcweb.unframe(grpcweb._decode_text(chunks)) == [(0, b"x"), (0, b"yz")]
    with pytest.raises(ValueError, match="truncated"):
        grpcweb.unframe(body[:-1])
    assert b"grpc-message:caf%C3%A9 100%25" in grpcweb._trailers(5, "café 100%")


def test_gps_satellites_in_view_of_the_baseline_constellation():
    """The 24-slot baseline (GPS SPS Performance Standard 2001, Table 3-1) keeps at least 4 satellites above the 5°
    mask everywhere (the Standard's design goal); counts move as the satellites do (12-h orbits)."""
    day = [T0 + timedelta(minutes=10 * k) for k in range(144)]
    for lat, lon in ((50.45, 30.52), (0.0, 0.0), (-33.9, 151.2), (78.2, 15.6)):
        counts = [gnss.in_view(lat, lon, 0.0, t) for t in day]
        assert min(counts) >= 4 and max(counts) <= 12
        assert len(set(counts)) >= 3
    radius = np.linalg.norm(gnss.positions_ecef_km(T0), axis=1)
    assert radius == pytest.approx(np.full(24, 26559.7))
    # two revolutions per sidereal day: the Earth-fixed geometry repeats after 86164.0905 s
    assert gnss.positions_ecef_km(T0 + timedelta(seconds=86164.0905)) == pytest.approx(
        gnss.positions_ecef_km(T0), abs=1.0)
