"""Network-side location checks: the satellites' range and range-rate measurements of each served terminal
(``access.verify``) give a position fix; a reported position inconsistent with it twice in a row is flagged."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from leonet.access import verify
from leonet.scenario import LocationCheck


class LocationChecker:
    """State per terminal (M,): the network's estimate and its error ellipse, the last χ² statistic, the count of
    inconsistent checks in a row, and the flag."""

    def __init__(self, cfg: LocationCheck, alt_km: np.ndarray, rng: np.random.Generator):
        m = len(alt_km)
        self.cfg = cfg
        self.alt_km = alt_km
        self.rng = rng
        nan = np.full(m, np.nan)
        self.est_lat, self.est_lon = nan.copy(), nan.copy()
        self.major_km, self.minor_km, self.angle_deg = nan.copy(), nan.copy(), nan.copy()
        self.d2 = nan.copy()
        self.inconsistent = np.zeros(m, dtype=np.int64)
        self.flagged = np.zeros(m, dtype=bool)
        self._prev: verify.Measurements | None = None

    def check(self, positions: Callable[[np.ndarray], np.ndarray], t_unix_s: float, slot_s: float,
              x_ecef_km: np.ndarray, sat: np.ndarray, rep_lat: np.ndarray, rep_lon: np.ndarray,
              speed_kmh: np.ndarray) -> None:
        """One slot's check. ``positions(t_unix (K,)) -> (K, N, 3)``; sat (M,) serving satellite (−1 none)."""
        cfg = self.cfg
        if not cfg.enabled:
            return
        m, k = len(sat), cfg.samples_per_slot
        times = t_unix_s + np.linspace(0, slot_s, k, endpoint=False)
        served = sat >= 0
        if not served.any() and self._prev is None:
            return
        pos = positions(times)
        vel = positions(times + 0.5) - positions(times - 0.5)
        sp = np.full((m, k, 3), np.nan)
        sv = np.full((m, k, 3), np.nan)
        sp[served] = np.transpose(pos[:, sat[served]], (1, 0, 2))
        sv[served] = np.transpose(vel[:, sat[served]], (1, 0, 2))
        meas = verify.simulate(x_ecef_km, sp, sv, cfg.range_noise_m, cfg.range_rate_noise_mps, self.rng)
        prev = self._prev
        both = meas if prev is None else verify.Measurements(
            np.concatenate([prev.sat_pos_km, sp], 1), np.concatenate([prev.sat_vel_km_s, sv], 1),
            np.concatenate([prev.range_km, meas.range_km], 1),
            np.concatenate([prev.range_rate_km_s, meas.range_rate_km_s], 1))
        self._prev = meas
        have = np.isfinite(both.range_km).sum(axis=1) >= 3
        if not have.any():
            return
        idx = np.flatnonzero(have)
        sub = verify.Measurements(both.sat_pos_km[idx], both.sat_vel_km_s[idx], both.range_km[idx],
                                  both.range_rate_km_s[idx])
        fix = verify.estimate(sub, self.alt_km[idx], cfg.range_noise_m, cfg.range_rate_noise_mps)
        flag, d2 = verify.inconsistent(fix, rep_lat[idx], rep_lon[idx], cfg.chi2_threshold)
        # The two-slot estimate assumes a terminal at rest across both slots. A moving terminal is judged on the
        # current slot alone, by the goodness of fit of the position it reports (no fix needed, so the single
        # pass's mirror ambiguity does not matter); its shown fix stays the two-slot estimate's.
        still = speed_kmh[idx] < 5.0
        moving = idx[~still]
        if moving.size:
            now = verify.Measurements(sp[moving], sv[moving], meas.range_km[moving], meas.range_rate_km_s[moving])
            mflag, mcost = verify.fit_inconsistent(now, rep_lat[moving], rep_lon[moving], self.alt_km[moving],
                                                   cfg.range_noise_m, cfg.range_rate_noise_mps)
            flag[~still] = mflag
            d2[~still] = mcost  # the fit's χ² statistic stands in for the Mahalanobis distance (NaN: not judged)
        self.est_lat[idx], self.est_lon[idx] = fix.lat_deg, fix.lon_deg
        self.major_km[idx], self.minor_km[idx], self.angle_deg[idx] = fix.major_km, fix.minor_km, fix.angle_deg
        # Flag only after two inconsistent checks in a row (one bad fix is not evidence); keep the flag while no
        # new fix arrives (a denied terminal is not measured).
        count = self.inconsistent[idx]
        count = np.where(flag, count + 1, np.where(np.isfinite(d2), 0, count))
        self.inconsistent[idx] = count
        self.flagged[idx] = count >= 2
        self.d2[idx] = d2
