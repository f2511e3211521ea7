"""MODCOD selection (ETSI EN 302 307-1 Table 13 / EN 302 307-2 Table 20a) and capacity sharing."""

import numpy as np

from leonet.radio import modcod


def test_select_uses_published_thresholds():
    idx, eff = modcod.select(np.array([-5.0, 1.0, 0.99, 10.21, 19.57, 40.0]))
    names = modcod.modcod_names(idx)
    assert names[0] == "" and eff[0] == 0.0  # below QPSK 1/4: no service
    assert names[1] == "QPSK 1/2" and eff[1] == 0.988858
    assert names[2] == "QPSK 2/5"
    assert names[3] == "16APSK 3/4"
    assert names[4] == names[5] == "256APSK 3/4" and eff[5] == 5.900855


def test_efficiency_is_monotonic_in_sinr():
    s = np.linspace(-3, 25, 500)
    e = modcod.spectral_efficiency_bps_hz(s)
    assert np.all(np.diff(e) >= 0)
    # margin shifts the curve
    assert np.all(modcod.spectral_efficiency_bps_hz(s, 1.0) <= e)


def test_share_by_demand():
    group = np.array([0, 0, 1, -1])
    rate = np.array([100.0, 100.0, 100.0, 100.0])
    demand = np.array([80.0, 40.0, 30.0, 10.0])
    got, util = modcod.share(group, rate, demand)
    assert np.allclose(got, [80 / 1.2, 40 / 1.2, 30.0, 0.0])
    assert np.allclose(util, [1.0, 1.0, 0.3, 0.0])
