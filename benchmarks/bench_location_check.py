"""Network-side location check under a measurement model that is not the estimator's (ROC and fix errors).

Terminals at random places between 55° S and 55° N at 0–2 km altitude, served each 15-s slot by the highest
starlink-gen1 satellite (6 delay + Doppler samples per slot). Measurements from ``leonet.access.measure`` (clock bias
and drift, ephemeris error, ionosphere 40.3·TEC/f², Saastamoinen troposphere, multipath outliers, terminal
altitude; moving terminals move). Fixes from ``leonet.access.locate`` (Huber IRLS, clock terms estimated, altitude
prior 0.3 ± 1 km). Stationary terminals: Mahalanobis distance of the reported position from the fix over a window
of slots; moving terminals (20–35 m/s, one slot): goodness of fit of the reported position. A spoofer reports a
position at the given offset in a random direction. The ROC sweeps the threshold.

Baseline named in the output: a cell-only check (flag when the reported position is in another H3 res-5 cell than
the true one), the "for free" bound; and the fix error with white noise only (every other error source off).
Published figures printed next to the fix errors (see docs/references.md).

    .venv/bin/python benchmarks/bench_location_check.py [--terminals 2000] [--out location_check.png]
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import chi2  # noqa: E402

from leonet.access import locate, measure, verify  # noqa: E402
from leonet.ground.geometry import look_angles  # noqa: E402
from leonet.orbits.frames import geodetic_to_ecef_km  # noqa: E402
from leonet.orbits.presets import preset  # noqa: E402
from leonet.scheduler.cells import cells_of  # noqa: E402

OFFSETS_KM = [0.2, 0.5, 1.0, 2.0, 5.0, 20.0]
FALSE_ALARM_TARGETS = [1e-3, 1e-2, 5e-2]
PUBLISHED = [
    ("Khalife, Neinavaie & Kassas, IEEE TAES 2022 (doi:10.1109/TAES.2021.3113880): 6 Starlink satellites, "
     "carrier phase, stationary receiver", "7.7 m horizontal"),
    ("Kozhaya, Saroufim & Kassas, NAVIGATION 72(1) 2025 (https://navi.ion.org/content/72/1/navi.685): full OFDM "
     "beacon, reference-station ephemeris corrections, 20 s", "~2 m 3-D"),
    ("Grayver et al., IEEE Aerospace Conf. 2024 (doi:10.1109/AERO58975.2024.10521263): downlink only",
     "< 100 m"),
    ("Hughes, delay + Doppler at the satellite, > 1 satellite "
     "(https://vdocuments.net/user-location-determination-using-delay-and-doppler-.html)", "> 1 km in < 10 %"),
]


def geometry(c, lat, lon, alt, slots, rng):
    """Satellite states (M, 6·slots, 3) of the highest satellite per slot, sample times (6·slots,)."""
    x = geodetic_to_ecef_km(lat, lon, alt)
    t0 = c.epoch.timestamp() + rng.uniform(0, 86_400)
    rel_t = np.concatenate([np.linspace(0, 15, 6, endpoint=False) + 15 * j for j in range(slots)])
    pos = c.positions_ecef_km(t0 + rel_t)
    vel = c.positions_ecef_km(t0 + rel_t + 0.5) - c.positions_ecef_km(t0 + rel_t - 0.5)
    best = [look_angles(x, lat, lon, pos[6 * j])[0].argmax(1) for j in range(slots)]
    sat = np.repeat(np.stack(best, axis=1), 6, axis=1)  # (M, K)
    k = np.arange(rel_t.size)[None, :]
    return x, pos[k, sat], vel[k, sat], rel_t, sat


def offset(lat, lon, d_km, rng):
    b = rng.uniform(0, 2 * np.pi, lat.size)
    return lat + d_km * np.cos(b) / 111.2, lon + d_km * np.sin(b) / (111.2 * np.cos(np.radians(lat)))


def horizontal_err_m(fix, lat, lon):
    return 1000 * np.hypot((fix.lat_deg - lat) * 111.2, (fix.lon_deg - lon) * 111.2 * np.cos(np.radians(lat)))


def roc_rows(stat0, stats):
    """Per false-alarm target: the threshold giving it on honest terminals and the detection per offset."""
    rows = []
    for fa in FALSE_ALARM_TARGETS:
        thr = np.nanquantile(stat0, 1 - fa)
        rows.append((fa, thr, [np.mean(np.nan_to_num(s, nan=-np.inf) > thr) for s in stats]))
    return rows


def fit_logp(meas, rlat, rlon, prior, moving=None):
    """−log10 p of the reported position's goodness of fit (trimmed χ², nuisance terms estimated)."""
    stat, dof = locate.robust_fit_statistic(meas, rlat, rlon, prior, moving)
    return -np.log10(np.maximum(chi2.sf(stat, dof), 1e-300))


def show_roc(label, stat0, stats):
    print(f"  {label}:")
    for fa, thr, det in roc_rows(stat0, stats):
        cells = "  ".join(f"{d:g} km: {r:6.1%}" for d, r in zip(OFFSETS_KM, det, strict=True))
        print(f"    false alarms {fa:5.1%} (threshold {thr:9.1f}) → detected  {cells}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--terminals", type=int, default=2000)
    ap.add_argument("--out", default="location_check.png")
    args = ap.parse_args()
    rng = np.random.default_rng(11)
    c = preset("starlink-gen1").with_epoch(datetime(2026, 3, 1, tzinfo=UTC))
    m = args.terminals
    lat = np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(-55)), np.sin(np.radians(55)), m)))
    lon = rng.uniform(-180, 180, m)
    alt = rng.uniform(0.0, 2.0, m)
    prior = np.full(m, 0.3)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    print(f"{m} terminals, 55°S–55°N, 0–2 km altitude; starlink-gen1, highest satellite per 15-s slot, 6 samples "
          f"per slot. Model: {measure.ErrorModel()}")
    for name, eph, slots in (("operator ephemeris, 2 slots", measure.EPHEMERIS_OPERATOR, 2),
                             ("operator ephemeris, 4 slots", measure.EPHEMERIS_OPERATOR, 4),
                             ("operator ephemeris, 8 slots", measure.EPHEMERIS_OPERATOR, 8),
                             ("TLE-grade ephemeris, 4 slots", measure.EPHEMERIS_TLE, 4)):
        model = measure.ErrorModel(ephemeris_sigma_m=eph)
        x, sp, sv, t, sat = geometry(c, lat, lon, alt, slots, rng)
        meas, _ = measure.simulate(x, np.zeros((m, 3)), sp, sv, t, model, rng, sat_id=sat)
        fix = locate.robust_fix(meas, prior)
        err = horizontal_err_m(fix, lat, lon)
        stat0 = verify.inconsistent(fix, lat, lon, np.inf)[1]
        spoofs = [offset(lat, lon, d, rng) for d in OFFSETS_KM]
        stats = [verify.inconsistent(fix, *sp_, np.inf)[1] for sp_ in spoofs]
        print(f"\n[{name}] fix error p50 {np.nanmedian(err):.0f} m, p95 {np.nanpercentile(err, 95):.0f} m, "
              f"no fix {np.isnan(fix.lat_deg).mean():.1%}; 95 % ellipse major p50 "
              f"{np.nanmedian(fix.major_km) * 1000:.0f} m")
        print(f"  fix test, design threshold χ²(2) p=0.001 = 13.8 → false alarms {np.nanmean(stat0 > 13.8):.2%} "
              f"of terminals with a fix")
        show_roc("fix test (no fix = not flagged)", stat0, stats)
        gof0 = fit_logp(meas, lat, lon, prior)
        gofs = [fit_logp(meas, *sp_, prior) for sp_ in spoofs]
        print(f"  fit test, design p < 0.001 → false alarms {np.nanmean(gof0 > 3):.2%}")
        show_roc("fit test (−log10 p)", gof0, gofs)
        thresholds = np.nanquantile(gof0, np.linspace(0.0, 0.999, 200))
        ax.plot(np.maximum([np.nanmean(gof0 > th) for th in thresholds], 1e-4),
                [np.mean(np.nan_to_num(gofs[2], nan=-np.inf) > th) for th in thresholds],
                label=f"{name} (fit test, 1 km spoof)")
    # Moving terminals, one slot: goodness of fit of the reported position.
    x, sp, sv, t, sat = geometry(c, lat, lon, alt, 1, rng)
    heading = rng.uniform(0, 2 * np.pi, m)
    speed_km_s = rng.uniform(0.020, 0.035, m)
    from leonet.ground.geometry import enu_basis

    basis = enu_basis(lat, lon)
    v = speed_km_s[:, None] * (np.sin(heading)[:, None] * basis[:, 0] + np.cos(heading)[:, None] * basis[:, 1])
    meas, _ = measure.simulate(x, v, sp, sv, t, measure.ErrorModel(), rng, sat_id=sat)
    moving = np.ones(m, dtype=bool)
    gof0 = fit_logp(meas, lat, lon, prior, moving)
    gofs = [fit_logp(meas, *offset(lat, lon, d, rng), prior, moving) for d in OFFSETS_KM]
    print(f"\n[moving 20–35 m/s, 1 slot] fit test, design p < 0.001 → false alarms {np.nanmean(gof0 > 3):.2%}")
    show_roc("fit test (−log10 p)", gof0, gofs)
    # Baselines: the cell-only check and white noise only.
    true_cells = cells_of(lat, lon, 5)
    cell = [np.mean(cells_of(*offset(lat, lon, d, rng), 5) != true_cells) for d in OFFSETS_KM]
    print("\nbaseline cell-only check (reported in another H3 res-5 cell): "
          + "  ".join(f"{d:g} km: {r:6.1%}" for d, r in zip(OFFSETS_KM, cell, strict=True)))
    quiet = measure.ErrorModel(clock_bias_sigma_us=0.0, clock_drift_sigma_ppb=0.0, ephemeris_sigma_m=(0.0, 0.0, 0.0),
                               ephemeris_rate_sigma_mps=0.0, tec_vertical_tecu=(0.0, 0.0), outlier_prob=0.0)
    x, sp, sv, t, sat = geometry(c, lat, lon, np.zeros(m), 4, rng)
    ideal = locate.robust_fix(measure.simulate(x, np.zeros((m, 3)), sp, sv, t, quiet, rng, sat_id=sat)[0], prior)
    e = horizontal_err_m(ideal, lat, lon)
    print(f"white noise only (no clock, ephemeris, ionosphere or outliers; troposphere left in), 4 slots: "
          f"p50 {np.nanmedian(e):.0f} m, p95 {np.nanpercentile(e, 95):.0f} m")
    print("\npublished figures for LEO (Starlink) positioning:")
    for src, fig_ in PUBLISHED:
        print(f"  {fig_:>18}  {src}")
    ax.set_xscale("log")
    ax.set_xlabel("false-alarm rate (honest terminals flagged)")
    ax.set_ylabel("detection rate")
    ax.set_title("Location check ROC under the realistic measurement model")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(Path(args.out), dpi=110)
    print(f"figure: {args.out}")


if __name__ == "__main__":
    main()
