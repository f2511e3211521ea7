"""The dish's latency model: never below the speed-of-light floor; spikes and loss where measurements put them."""

import numpy as np
import pytest

from leonet import C_KM_S
from leonet.radio import latency, noise
from leonet.radio.demand import slot_rng


def _run(util=0.3, handover=False, seed=1, slot=5):
    p = latency.LatencyParams()
    m, s = 50, 15
    rng = np.random.default_rng(seed)
    prop = rng.uniform(8.0, 60.0, (m, 1)) + np.linspace(0, 0.5, s)[None, :]
    up = rng.uniform(550.0, 1100.0, (m, s))
    key = latency.NoiseKey(seed, slot, np.arange(m), np.arange(s))
    lat, drop = latency.per_second(prop, up, np.full(m, util), s, np.full(m, handover), key, p)
    return p, prop, up, lat, drop


def test_latency_never_below_propagation_floor():
    p, prop, up, lat, _ = _run()
    floor = prop + 2.0 * up / C_KM_S * 1000.0  # the path to the PoP plus the request-grant trip to the satellite
    assert np.all(lat >= floor)
    assert np.all(lat >= prop + p.processing_ms + (1 + p.request_grant_frames) * p.frame_ms)


def test_latency_grows_with_load_and_is_capped():
    _, _, _, idle, _ = _run(util=0.0)
    _, _, _, busy, _ = _run(util=0.9)
    _, _, _, full, _ = _run(util=1.0)
    assert np.median(busy - idle) > 5.0
    assert np.all(full - idle <= latency.LatencyParams().max_queue_ms + 1e-9)


def test_spike_and_loss_at_slot_boundary_and_handover():
    p, _, _, lat, drop = _run(handover=True)
    first, middle = lat[:, 0], lat[:, 7]
    assert np.mean(first) > np.mean(middle) + 0.5 * p.spike_start_ms * p.spike_window_ms / 1000.0
    assert np.all(drop[:, 0] == p.handover_drop_rate) and np.all(drop[:, 7] == p.idle_drop_rate)
    assert np.all(drop[:, -1] == p.reconfig_drop_rate)


def test_unserved_seconds_are_nan_and_full_loss():
    p = latency.LatencyParams()
    prop = np.array([[10.0, np.nan]])
    key = latency.NoiseKey(0, 0, np.array([0]), np.array([3, 4]))
    lat, drop = latency.per_second(prop, np.array([[600.0, np.nan]]), np.array([0.1]), 15, np.array([False]), key, p)
    assert np.isfinite(lat[0, 0]) and np.isnan(lat[0, 1]) and drop[0, 1] == 1.0


def test_slot_mean_is_the_expectation_of_the_seconds():
    p = latency.LatencyParams()
    m, s = 4000, 15
    prop = np.full((m, s), 20.0)
    up = np.full((m, s), 700.0)
    key = latency.NoiseKey(3, 8, np.arange(m), np.arange(s))
    lat, drop = latency.per_second(prop, up, np.full(m, 0.5), s, np.zeros(m, bool), key, p)
    mean_lat, mean_drop = latency.slot_mean(prop[:, 0], up[:, 0], np.full(m, 0.5), s, np.zeros(m, bool), p)
    assert lat.mean() == pytest.approx(mean_lat.mean(), rel=0.01)
    assert drop.mean(axis=1) == pytest.approx(mean_drop)


def test_one_terminal_sees_the_same_draws_as_the_whole_slot():
    everyone = noise.uniform(7, 12, np.arange(1000), np.arange(15), 1)
    one = noise.uniform(7, 12, np.array([417]), np.arange(15), 1)
    assert np.array_equal(everyone[417], one[0])
    assert 0.45 < everyone.mean() < 0.55 and everyone.min() >= 0.0 and everyone.max() < 1.0
    z = noise.normal(7, 12, np.arange(1000), np.arange(15), 2)
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1.0) < 0.05


def test_slot_rng_is_independent_of_history():
    a = slot_rng(7, 12).random(3)
    assert np.array_equal(a, slot_rng(7, 12).random(3))
    assert not np.array_equal(a, slot_rng(7, 13).random(3))
