"""Network-side location checks in the living system: what the network measures on each terminal's uplink
(``access.measure``: clock bias and drift, ephemeris error, ionosphere, troposphere, multipath outliers, the
terminal's own motion, its altitude) and what it concludes (``access.locate``: the robust fit).

Every terminal that talks to a satellite is measured, served or not: a refused terminal still sends its
signalling uplink (it must, to be told its disablement code), so the network sees its delay and Doppler too. The
samples of the last ``window_slots`` slots are kept per terminal (float32 ring buffer; satellite states are
recomputed from the ephemeris, so only ranges, range-rates and the satellite index are stored). Each terminal is
judged once per window, staggered over terminals (a share of them each slot), on the whole window:

* the **fit test**: goodness of fit of the measurements to the *reported* position (latitude and longitude
  pinned, altitude, clock bias and drift and velocity estimated; trimmed χ² with its degrees of freedom,
  ``locate.robust_fit_statistic``); the statistic kept is −log10 p, inconsistent when p < ``false_alarm``;
  flagged after two inconsistent windows in a row;
* the **fix**: the network's own position and 95 % ellipse (``locate.robust_fix``), the evidence shown next to
  the test and the position used for a terminal that reports none (jammed GPS: position source STARLINK). Computed
  for every judged terminal without a reported position or with an inconsistent window, and for at most
  ``FIX_ALL_UP_TO`` of the quiet ones per slot, in turn.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import chi2

from leonet.access import locate, measure
from leonet.access.verify import Measurements
from leonet.scenario import LocationCheck

FIX_ALL_UP_TO = 500  # quiet judged terminals (consistent report) given a fresh fix per slot at most
MOVING_KMH = 5.0  # reported speed above which the loose velocity prior applies
EPHEMERIS = {"operator": measure.EPHEMERIS_OPERATOR, "tle": measure.EPHEMERIS_TLE}


def error_model(cfg: LocationCheck) -> measure.ErrorModel:
    """The measurement model a scenario's ``[location_check]`` asks for."""
    return measure.ErrorModel(range_noise_m=cfg.range_noise_m, range_rate_noise_mps=cfg.range_rate_noise_mps,
                              ephemeris_sigma_m=EPHEMERIS[cfg.ephemeris], outlier_prob=cfg.outlier_prob)


class LocationChecker:
    """State per terminal (M,): the network's estimate and its error ellipse, the last test statistic (−log10 p),
    the count of inconsistent windows in a row, and the flag."""

    def __init__(self, cfg: LocationCheck, n_terminals: int, n_satellites: int, slot_s: float,
                 rng: np.random.Generator):
        m, w, k = n_terminals, cfg.window_slots, cfg.samples_per_slot
        self.cfg = cfg
        self.rng = rng
        self.model = error_model(cfg)
        self.noise = locate.Noise(range_m=cfg.range_noise_m, range_rate_mps=cfg.range_rate_noise_mps)
        self.threshold = -np.log10(cfg.false_alarm)
        # The run's persistent draws: each terminal's clock and weather, each satellite's ephemeris error.
        self.conditions = measure.TerminalConditions.draw(m, self.model, rng)
        self.ephemeris = measure.EphemerisErrors.draw(n_satellites, self.model, rng)
        self.offsets_s = np.linspace(0.0, slot_s, k, endpoint=False)
        self._sat = np.full((w, m), -1, dtype=np.int32)
        self._range = np.full((w, m, k), np.nan, dtype=np.float32)
        self._rate = np.full((w, m, k), np.nan, dtype=np.float32)
        self._t_s = np.full(w, np.nan)  # slot start (s since the run's start) of each ring row
        self._t_unix = np.full(w, np.nan)
        nan = np.full(m, np.nan)
        self.est_lat, self.est_lon = nan.copy(), nan.copy()
        self.major_km, self.minor_km, self.angle_deg = nan.copy(), nan.copy(), nan.copy()
        self.d2 = nan.copy()  # the last test statistic, −log10 p (name kept for the views)
        self.inconsistent = np.zeros(m, dtype=np.int64)
        self.flagged = np.zeros(m, dtype=bool)
        self._slot = -1
        self._judged = 0

    def _period(self, m: int) -> int:
        """Slots between two checks of one terminal: the window, longer when a slot could not judge them all."""
        cap = self.cfg.max_checks_per_slot
        return max(self.cfg.window_slots, -(-m // cap))

    def _record(self, positions, t_s, t_unix_s, x_ecef_km, vel_ecef_km_s, sat) -> None:
        """This slot's samples of every terminal with a satellite (−1 none) into the ring."""
        row = self._slot % self.cfg.window_slots
        self._sat[row] = -1
        self._range[row] = np.nan
        self._rate[row] = np.nan
        self._t_s[row], self._t_unix[row] = t_s, t_unix_s
        # Only terminals judged within the next window need this slot's samples (all of them when every terminal
        # is judged once per window; a share when there are more than max_checks_per_slot per window).
        m, w = sat.size, self.cfg.window_slots
        phase = (np.arange(m) + self._slot) % self._period(m)
        idx = np.flatnonzero((sat >= 0) & ((phase == 0) | (phase > self._period(m) - w)))
        if idx.size == 0:
            return
        sp, sv = self._sat_states(positions, t_unix_s)
        s = sat[idx]
        meas, _ = measure.simulate(x_ecef_km[idx], vel_ecef_km_s[idx], np.transpose(sp[:, s], (1, 0, 2)),
                                   np.transpose(sv[:, s], (1, 0, 2)), self.offsets_s, self.model, self.rng,
                                   sat_id=np.broadcast_to(s[:, None], (idx.size, self.offsets_s.size)),
                                   conditions=self.conditions.take(idx), ephemeris=self.ephemeris, clock_t0_s=t_s)
        self._sat[row, idx] = s
        self._range[row, idx] = meas.range_km
        self._rate[row, idx] = meas.range_rate_km_s

    def _sat_states(self, positions, t_unix_s: float) -> tuple[np.ndarray, np.ndarray]:
        """True satellite positions and velocities (K, N, 3) at this slot's sample times."""
        times = t_unix_s + self.offsets_s
        return positions(times), (positions(times + 0.5) - positions(times - 0.5))

    def _window(self, idx: np.ndarray, positions, t_s: float) -> Measurements:
        """The ring's samples of terminals idx as measurements with the believed ephemeris; times relative to this
        slot's start (the reported position's instant)."""
        w, k = self.cfg.window_slots, self.offsets_s.size
        rows = [r for r in range(w) if np.isfinite(self._t_s[r])]
        sp = np.full((idx.size, len(rows) * k, 3), np.nan)
        sv = np.full_like(sp, np.nan)
        t = np.empty(len(rows) * k)
        for j, r in enumerate(rows):  # at most window_slots rows, each vectorised over terminals
            pos, vel = self._sat_states(positions, self._t_unix[r])
            s = self._sat[r, idx]
            have = s >= 0
            cols = slice(j * k, (j + 1) * k)
            true_p = np.transpose(pos[:, s[have]], (1, 0, 2))
            true_v = np.transpose(vel[:, s[have]], (1, 0, 2))
            sp[have, cols], sv[have, cols] = self.ephemeris.believed(true_p, true_v, s[have][:, None])
            t[cols] = self._t_s[r] - t_s + self.offsets_s
        rng_km = np.concatenate([self._range[r, idx] for r in rows], axis=1).astype(float)
        rate = np.concatenate([self._rate[r, idx] for r in rows], axis=1).astype(float)
        return Measurements(sp, sv, rng_km, rate, t_s=np.broadcast_to(t, rng_km.shape))

    def check(self, positions: Callable[[np.ndarray], np.ndarray], t_s: float, t_unix_s: float,
              x_ecef_km: np.ndarray, vel_ecef_km_s: np.ndarray, sat: np.ndarray, rep_lat: np.ndarray,
              rep_lon: np.ndarray, speed_kmh: np.ndarray) -> None:
        """One slot. ``positions(t_unix (K,)) -> (K, N, 3)``; x/vel (M, 3) true state; sat (M,) the satellite
        that hears each terminal (−1 none); rep_lat/rep_lon (M,) what the terminal reports (NaN: nothing)."""
        cfg = self.cfg
        self._slot += 1
        if not cfg.enabled:
            return
        self._record(positions, t_s, t_unix_s, x_ecef_km, vel_ecef_km_s, sat)
        m = sat.size
        due = np.flatnonzero(((np.arange(m) + self._slot) % self._period(m) == 0) & (sat >= 0))
        if self._slot + 1 < min(2, cfg.window_slots) or due.size == 0:
            return  # wait for at least two slots of samples before the first judgement
        meas = self._window(due, positions, t_s)
        enough = np.isfinite(meas.range_km).sum(axis=1) >= 6
        due, meas = due[enough], _rows(meas, enough)
        if due.size == 0:
            return
        self._judged += due.size
        moving = speed_kmh[due] > MOVING_KMH
        alt0 = np.full(due.size, cfg.altitude_prior_km)
        stat, dof = locate.robust_fit_statistic(meas, rep_lat[due], rep_lon[due], alt0, moving, self.noise)
        with np.errstate(invalid="ignore"):
            logp = -np.log10(np.maximum(chi2.sf(stat, dof), 1e-300))
        flag = np.isfinite(logp) & (logp > self.threshold)
        # Flag only after two inconsistent windows in a row (one bad check is not evidence).
        count = np.where(flag, self.inconsistent[due] + 1, np.where(np.isfinite(logp), 0, self.inconsistent[due]))
        self.inconsistent[due] = count
        self.flagged[due] = count >= 2
        self.d2[due] = logp
        # Fixes: always for terminals without a reported position or with an inconsistent window; for the quiet
        # rest at most FIX_ALL_UP_TO per slot, rotating, so that each one's fix is refreshed in turn.
        want = ~np.isfinite(rep_lat[due]) | (count > 0)
        rest = np.flatnonzero(~want)
        if rest.size:
            turns = -(-rest.size // FIX_ALL_UP_TO)
            want[rest[(np.arange(rest.size) + self._slot) % turns == 0]] = True
        if want.any():
            fix = locate.robust_fix(_rows(meas, want), alt0[want], moving[want], self.noise)
            j = due[want]
            self.est_lat[j], self.est_lon[j] = fix.lat_deg, fix.lon_deg
            self.major_km[j], self.minor_km[j], self.angle_deg[j] = fix.major_km, fix.minor_km, fix.angle_deg


def _rows(meas: Measurements, sel: np.ndarray) -> Measurements:
    return Measurements(meas.sat_pos_km[sel], meas.sat_vel_km_s[sel], meas.range_km[sel], meas.range_rate_km_s[sel],
                        t_s=None if meas.t_s is None else np.asarray(meas.t_s)[sel])
