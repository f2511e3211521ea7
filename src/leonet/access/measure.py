"""What the network really measures on a terminal's uplink: a measurement model that is *not* the estimator's.

``verify.simulate`` draws white Gaussian noise around the exact geometry — the model its own estimator assumes, so
its detection rates say little about the real world. ``simulate`` here adds the error sources a real delay/Doppler
location check faces, each drawn per terminal, satellite or sample:

* terminal clock bias and drift: the range carries ``c·(b + ḃ·t)`` and the range-rate ``c·ḃ`` (a frequency offset
  of the terminal oscillator shows as a range-rate bias). Receivers of LEO signals estimate both as states (Khalife,
  Neinavaie & Kassas, IEEE TAES 58(4) 2022, doi:10.1109/TAES.2021.3113880); here they are nuisance parameters of
  the fit, so the fix does not depend on their size (tests/access/test_measure.py checks that);
* satellite ephemeris error: one position/velocity error per satellite and pass, in its radial / along-track /
  cross-track frame, shared by every terminal that satellite serves. ``EPHEMERIS_OPERATOR``: SpaceX's own predicted
  ephemerides carry position covariances of ~5e-7 km² per axis at the start of a file (σ ≈ 0.7 m; public files
  described at https://starlink.com/public-files/ephemerides/README.md, example file quoted 2026-04-26 at
  https://anthonyhawkins.com/blog/2026-04-26-module-1-01/); ``EPHEMERIS_TLE``: public TLEs with SGP4, "accurate to
  within a kilometer or two" at epoch, along-track error an order of magnitude above radial/cross-track
  (https://orbitvein.com/resources/tle-freshness-pass-prediction.html, 2026; TLEs carry no covariance: Kelso, AAS
  07-127, 2007, http://celestrak.net/publications/AAS/07-127/);
* ionospheric group delay ``40.3·TEC/f²`` (metres, TEC in electrons/m², f in Hz; IS-GPS-200 §20.3.3.3.3.2 /
  Klobuchar 1987) through a thin-shell obliquity factor at 350 km; on the 14.0–14.5 GHz Ku uplink (FCC
  SAT-STA-20200610-00071) 50 TECU give ≈ 10 cm at zenith — tiny, as expected;
* tropospheric delay: Saastamoinen (1972) zenith hydrostatic and wet delays from surface pressure, temperature and
  water-vapour pressure (standard atmosphere at the terminal's height, perturbed per terminal), mapped with the
  RTCA DO-229 (WAAS MOPS, Appendix A.4.2.4) mapping function ``1.001/√(0.002001 + sin²E)``;
* multipath / processing outliers: with probability ``outlier_prob`` a sample gets a positive range excess
  (exponential) and a range-rate jump. No published figure exists for a Starlink terminal's uplink; the defaults
  are stress values, and the benchmark states them;
* terminal motion: the range-rate contains the terminal's own velocity, the range its displacement over the window;
* terminal altitude: the truth has one, the estimator only a prior.

Shapes: M terminals, K samples each. Positions ECEF km, velocities km/s, times s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leonet.access.verify import Measurements
from leonet.ground.geometry import enu_basis
from leonet.orbits.frames import ecef_to_geodetic

C_KM_S = 299_792.458
UPLINK_HZ = 14.25e9  # centre of the 14.0–14.5 GHz user uplink (FCC SAT-STA-20200610-00071)
IONO_SHELL_KM = 350.0  # thin-shell height of the standard single-layer model (IS-GPS-200 Klobuchar model)
EARTH_R_KM = 6371.0
TECU = 1e16  # electrons/m²


@dataclass(frozen=True)
class ErrorModel:
    """Error budget of the measurement simulation (all σ are 1-σ of zero-mean normals unless said)."""

    range_noise_m: float = 30.0  # thermal timing noise (scenario default)
    range_rate_noise_mps: float = 0.2  # thermal frequency noise (scenario default)
    clock_bias_sigma_us: float = 1.0  # terminal clock offset (estimated by the fit; size does not matter)
    clock_drift_sigma_ppb: float = 10.0  # terminal oscillator fractional frequency offset (estimated)
    ephemeris_sigma_m: tuple[float, float, float] = (1.0, 1.0, 1.0)  # radial, along, cross (operator ephemeris)
    ephemeris_rate_sigma_mps: float = 0.001  # velocity error of the ephemeris, per axis
    tec_vertical_tecu: tuple[float, float] = (5.0, 100.0)  # uniform range of vertical TEC (quiet night → storm)
    pressure_sigma_hpa: float = 10.0  # weather spread around the standard atmosphere
    temperature_c: tuple[float, float] = (-20.0, 35.0)
    relative_humidity: tuple[float, float] = (0.2, 1.0)
    outlier_prob: float = 0.05  # stress value (see module docstring)
    outlier_range_m: float = 300.0  # mean of the exponential range excess
    outlier_rate_mps: float = 3.0  # σ of the range-rate jump


EPHEMERIS_OPERATOR = (1.0, 1.0, 1.0)
EPHEMERIS_TLE = (100.0, 1000.0, 100.0)


@dataclass
class Truth:
    """What the simulation knows and the estimator does not (per terminal)."""

    clock_bias_km: np.ndarray  # (M,)
    clock_drift_km_s: np.ndarray  # (M,)
    iono_m: np.ndarray  # (M, K)
    tropo_m: np.ndarray  # (M, K)
    outlier: np.ndarray  # (M, K) bool


def ionosphere_delay_m(el_deg: np.ndarray, tec_vertical_tecu: np.ndarray, f_hz: float = UPLINK_HZ) -> np.ndarray:
    """Slant group delay (m) = 40.3·TEC/f² × thin-shell obliquity at IONO_SHELL_KM."""
    cos_el = np.cos(np.deg2rad(el_deg))
    obliquity = 1.0 / np.sqrt(1.0 - (EARTH_R_KM * cos_el / (EARTH_R_KM + IONO_SHELL_KM)) ** 2)
    return 40.3 * np.asarray(tec_vertical_tecu) * TECU / f_hz**2 * obliquity


def troposphere_delay_m(el_deg: np.ndarray, lat_deg: np.ndarray, alt_km: np.ndarray, pressure_hpa: np.ndarray,
                        temperature_k: np.ndarray, vapour_hpa: np.ndarray) -> np.ndarray:
    """Slant delay (m): Saastamoinen zenith hydrostatic + wet delay × the RTCA DO-229 mapping function."""
    f = 1.0 - 0.00266 * np.cos(2.0 * np.deg2rad(lat_deg)) - 0.00028 * np.asarray(alt_km)
    zhd = 0.0022768 * pressure_hpa / f
    zwd = 0.002277 * (1255.0 / temperature_k + 0.05) * vapour_hpa
    mapping = 1.001 / np.sqrt(0.002001 + np.sin(np.deg2rad(el_deg)) ** 2)
    return (zhd + zwd) * mapping


def standard_pressure_hpa(alt_km: np.ndarray) -> np.ndarray:
    """ICAO standard atmosphere pressure at height (troposphere): 1013.25·(1 − 2.25577e-5·h_m)^5.25588."""
    return 1013.25 * (1.0 - 2.25577e-5 * np.asarray(alt_km) * 1000.0) ** 5.25588


@dataclass
class TerminalConditions:
    """Per-terminal draws that persist over a run (M,): the clock's bias (km, at t = 0) and drift (km/s), vertical
    TEC (TECU), surface temperature (K), water-vapour pressure (hPa) and the pressure's departure from the standard
    atmosphere (hPa). The simulation draws them once per terminal so that consecutive slots share them, as a real
    terminal's oscillator and its local weather do over minutes."""

    clock_bias_km: np.ndarray
    clock_drift_km_s: np.ndarray
    tec_tecu: np.ndarray
    temperature_k: np.ndarray
    vapour_hpa: np.ndarray
    pressure_offset_hpa: np.ndarray

    @classmethod
    def draw(cls, m: int, model: ErrorModel, rng: np.random.Generator) -> TerminalConditions:
        bias = rng.normal(0.0, model.clock_bias_sigma_us * 1e-6, m) * C_KM_S
        drift = rng.normal(0.0, model.clock_drift_sigma_ppb * 1e-9, m) * C_KM_S
        tec = rng.uniform(*model.tec_vertical_tecu, m)
        temp_k = rng.uniform(*model.temperature_c, m) + 273.15
        # Water-vapour pressure from relative humidity and the Magnus saturation formula (WMO-No. 8, 2018, Annex 4.B).
        e_sat = 6.112 * np.exp(17.62 * (temp_k - 273.15) / (243.12 + temp_k - 273.15))
        vapour = rng.uniform(*model.relative_humidity, m) * e_sat
        return cls(bias, drift, tec, temp_k, vapour, rng.normal(0.0, model.pressure_sigma_hpa, m))

    def take(self, idx: np.ndarray) -> TerminalConditions:
        return TerminalConditions(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))


@dataclass
class EphemerisErrors:
    """One constant error per satellite (N,): position in its radial / along-track / cross-track frame (km) and
    velocity (km/s, ECEF axes) — what the operator's believed ephemeris is off by, shared by every terminal the
    satellite serves."""

    rtn_km: np.ndarray  # (N, 3)
    vel_km_s: np.ndarray  # (N, 3)

    @classmethod
    def draw(cls, n: int, model: ErrorModel, rng: np.random.Generator) -> EphemerisErrors:
        return cls(rng.normal(0.0, 1.0, (n, 3)) * np.array(model.ephemeris_sigma_m) / 1000.0,
                   rng.normal(0.0, model.ephemeris_rate_sigma_mps / 1000.0, (n, 3)))

    def believed(self, sat_pos_km: np.ndarray, sat_vel_km_s: np.ndarray,
                 sat_id: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The believed states (true + error) of satellites sat_id (...,) at true states (..., 3)."""
        ids = np.where(sat_id >= 0, sat_id, 0)
        r_hat = sat_pos_km / np.linalg.norm(sat_pos_km, axis=-1, keepdims=True)
        n_hat = np.cross(sat_pos_km, sat_vel_km_s)
        n_hat /= np.linalg.norm(n_hat, axis=-1, keepdims=True)
        t_hat = np.cross(n_hat, r_hat)
        e = self.rtn_km[ids]
        dpos = e[..., :1] * r_hat + e[..., 1:2] * t_hat + e[..., 2:] * n_hat
        return sat_pos_km + dpos, sat_vel_km_s + self.vel_km_s[ids]


def simulate(true_ecef_km: np.ndarray, true_vel_km_s: np.ndarray, sat_pos_km: np.ndarray, sat_vel_km_s: np.ndarray,
             t_s: np.ndarray, model: ErrorModel, rng: np.random.Generator, sat_id: np.ndarray | None = None,
             conditions: TerminalConditions | None = None, ephemeris: EphemerisErrors | None = None,
             clock_t0_s: float = 0.0) -> tuple[Measurements, Truth]:
    """Range and range-rate of M terminals on K samples, with every error source of ``ErrorModel``.

    true_ecef_km (M, 3) at t = 0, true_vel_km_s (M, 3); sat_pos_km / sat_vel_km_s (M, K, 3) the TRUE satellite
    states; t_s (M, K) or (K,) sample times; sat_id (M, K) int satellite of each sample (shared ephemeris error),
    default one satellite per terminal. ``conditions`` / ``ephemeris``: the run's persistent per-terminal and
    per-satellite draws (default: fresh draws); the clock runs from ``clock_t0_s`` (the clock term is
    ``b + ḃ·(clock_t0_s + t)``). Returns the measurements *with the operator's believed ephemeris* (true +
    ephemeris error) and the hidden truth.
    """
    m, k = sat_pos_km.shape[:2]
    t = np.broadcast_to(np.asarray(t_s, dtype=float), (m, k))
    if sat_id is None:
        sat_id = np.repeat(np.arange(m)[:, None], k, axis=1)
    cond = conditions if conditions is not None else TerminalConditions.draw(m, model, rng)
    if ephemeris is None:  # fresh per-satellite errors for the satellites seen here
        uniq, inv = np.unique(np.where(sat_id >= 0, sat_id, 0), return_inverse=True)
        ephemeris, sat_id = EphemerisErrors.draw(uniq.size, model, rng), inv.reshape(sat_id.shape)
    x = true_ecef_km[:, None, :] + true_vel_km_s[:, None, :] * t[..., None]  # (M, K, 3) terminal during the window
    rel = sat_pos_km - x
    rho = np.linalg.norm(rel, axis=-1)
    rhodot = np.einsum("mkc,mkc->mk", rel, sat_vel_km_s - true_vel_km_s[:, None, :]) / rho
    lat, lon, alt = ecef_to_geodetic(true_ecef_km)
    up = np.einsum("mij,mkj->mki", enu_basis(lat, lon), rel)[..., 2]
    el = np.rad2deg(np.arcsin(np.clip(up / rho, -1.0, 1.0)))
    iono = ionosphere_delay_m(el, cond.tec_tecu[:, None])
    pressure = standard_pressure_hpa(alt) + cond.pressure_offset_hpa
    tropo = troposphere_delay_m(el, lat[:, None], alt[:, None], pressure[:, None], cond.temperature_k[:, None],
                                cond.vapour_hpa[:, None])
    outlier = rng.random((m, k)) < model.outlier_prob
    excess_m = np.where(outlier, rng.exponential(model.outlier_range_m, (m, k)), 0.0)
    jump_mps = np.where(outlier, rng.normal(0.0, model.outlier_rate_mps, (m, k)), 0.0)
    bias, drift = cond.clock_bias_km, cond.clock_drift_km_s
    range_km = (rho + bias[:, None] + drift[:, None] * (clock_t0_s + t) + (iono + tropo + excess_m) / 1000.0
                + rng.normal(0.0, model.range_noise_m / 1000.0, (m, k)))
    rate_km_s = (rhodot + drift[:, None] + jump_mps / 1000.0
                 + rng.normal(0.0, model.range_rate_noise_mps / 1000.0, (m, k)))
    missing = ~np.isfinite(sat_pos_km).all(axis=-1)
    with np.errstate(invalid="ignore"):
        sp, sv = ephemeris.believed(sat_pos_km, sat_vel_km_s, sat_id)
    range_km[missing] = np.nan
    rate_km_s[missing] = np.nan
    meas = Measurements(sp, sv, range_km, rate_km_s, t_s=np.array(t))
    return meas, Truth(bias, drift, iono, tropo, outlier)
