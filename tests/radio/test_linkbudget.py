"""Link budget against published worked examples and physical limits."""

import numpy as np
import pytest

from leonet.radio import interference, modcod, model
from leonet.radio import linkbudget as lb
from leonet.scenario import Radio


def test_free_space_loss_reproduces_roddy_example_12_1():
    # D. Roddy, Satellite Communications, 4th ed. (McGraw-Hill 2006), Example 12.1: 42,000 km at 6 GHz -> 200.4 dB.
    # The book rounds its constant to 32.4 dB (exact: 32.45), hence 0.1 dB tolerance.
    assert float(lb.fspl_db(42_000.0, 6.0)) == pytest.approx(200.4, abs=0.1)


def test_cn0_reproduces_roddy_example_12_9():
    # Roddy Example 12.9: 12 GHz, FSL 206 dB, pointing 1 dB, atmospheric absorption 2 dB, receiver feeder 1 dB,
    # G/T 19.5 dB/K, EIRP 48 dBW -> C/N0 = 86.1 dBHz.
    got = lb.cn0_dbhz(48.0, 206.0, 19.5, other_losses_db=1.0 + 2.0 + 1.0)
    assert float(got) == pytest.approx(86.1, abs=0.05)
    # and C/N in a 240 MHz channel is C/N0 - 10 log10(240e6)
    assert float(lb.cn_db(got, 240.0)) == pytest.approx(86.1 - 83.80, abs=0.01)


def test_scan_loss_is_cosine_law():
    assert float(lb.scan_loss_db(0.0)) == 0.0
    assert float(lb.scan_loss_db(60.0)) == pytest.approx(3.0103, abs=1e-3)  # cos 60 = 1/2
    assert float(lb.scan_loss_db(60.0, exponent=1.5)) == pytest.approx(1.5 * 3.0103, abs=1e-3)


def test_pfd_mask_follows_article_21():
    got = lb.pfd_mask_dbw_m2_4khz(np.array([0.0, 5.0, 15.0, 25.0, 60.0]))
    assert got.tolist() == [-150.0, -150.0, -145.0, -140.0, -140.0]


def test_dish_gain_from_aperture():
    # 48 cm round aperture, eta 0.65 at 11.7 GHz: 10 log10(0.65 * 4 pi A / lambda^2)
    d = lb.dish("standard_actuated")
    lam = 299_792_458.0 / 11.7e9
    assert float(d.gain_dbi(11.7)) == pytest.approx(10 * np.log10(0.65 * 4 * np.pi * np.pi * 0.24 ** 2 / lam ** 2))
    assert lb.dish("mini").gt_db_k(11.7) < lb.dish("standard").gt_db_k(11.7) < \
        lb.dish("flat_high_performance").gt_db_k(11.7)
    with pytest.raises(ValueError, match="unknown dish"):
        lb.dish("dishy")


def test_downlink_cn_falls_with_rain_and_scan():
    gt = lb.dish("standard").gt_db_k(11.7)
    clear = lb.downlink_cn_db(60.0, 0.2, gt, 30.0)
    rain = lb.downlink_cn_db(60.0, 5.2, gt, 30.0)
    assert float(clear - rain) == pytest.approx(5.0)
    assert float(lb.downlink_cn_db(60.0, 0.2, gt, 0.0)) > float(clear)


def test_satellite_capacity_in_published_range():
    # Published per-satellite downlink capacity of the V1/V1.5 Ku payload: 2000 MHz x 2 pol x 5.11 b/s/Hz = 20.2 Gb/s
    # (Pekhterev, SatMagazine Nov 2021, http://www.satmagazine.com/story.php?number=1026762698) and ~15 Gb/s per
    # V1.5 from the fleet total (https://topdaily.news/?p=8358, 2023 estimate). The twin's 16 beams x 240 MHz at
    # the clear-sky SINR of a loaded beam at 40 deg elevation must land in 10-25 Gb/s.
    r = Radio()
    gt = lb.dish("standard").gt_db_k(11.7)
    rng_km = 550.0 / np.sin(np.deg2rad(40.0)) * 0.92
    cn = lb.downlink_cn_db(40.0, 0.15, gt, 50.0)
    sinr = interference.sinr_db(cn, interference.co_channel_ci_db(rng_km, 40.0, 0.8))
    cap = float(model.satellite_capacity_gbps(r, sinr, 16))
    assert 10.0 <= cap <= 25.0
    assert 3.0 <= modcod.spectral_efficiency_bps_hz(sinr, r.modcod_margin_db) <= 5.7


def test_co_channel_interference_grows_with_activity():
    ci = interference.co_channel_ci_db(700.0, 50.0, np.array([0.0, 0.25, 1.0]))
    assert np.isinf(ci[0]) and ci[1] > ci[2] > 10.0
    assert float(interference.sinr_db(20.0, np.inf)) == pytest.approx(20.0)
    assert float(interference.sinr_db(20.0, 20.0)) == pytest.approx(20.0 - 3.0103, abs=1e-3)
