"""Network-side location checks: the satellites' range and range-rate measurements of each served terminal
(``access.verify``) give a position fix; a reported position inconsistent with it twice in a row is flagged."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from leonet.access import verify
from leonet.scenario import LocationCheck

ESTIMATE_ALL_UP_TO = 10_000  # up to this many measured terminals every one gets a fresh fix each slot
REFRESH_SLOTS = 8  # beyond it, each terminal's fix is refreshed every 8th slot (2 min), or at once when flagged


class LocationChecker:
    """State per terminal (M,): the network's estimate and its error ellipse, the last χ² statistic, the count of
    inconsistent checks in a row, and the flag.

    The network's own fix (``verify.estimate`` on this and the previous slot's samples: the position and 95 %
    ellipse shown to the operator) is computed for every measured terminal when there are few, else for flagged
    terminals, terminals that report no position, and a staggered 1/``REFRESH_SLOTS`` of the rest each slot. A
    terminal at rest with a fresh fix is judged by the squared Mahalanobis distance of its reported position from
    the fix; every other measured terminal by the goodness of fit of the measurements to its reported position
    (``verify.fit_inconsistent``: both slots' samples at rest, this slot's when moving)."""

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
        self._prev_idx = np.zeros(0, dtype=np.int64)
        self._prev: verify.Measurements | None = None
        self._slot = -1

    def _with_previous(self, idx: np.ndarray, now: verify.Measurements) -> verify.Measurements:
        """This slot's samples of terminals ``idx`` preceded by their previous slot's (NaN where not measured)."""
        prev = self._prev
        pk = 0 if prev is None else prev.range_km.shape[1]
        sp = np.full((idx.size, pk, 3), np.nan)
        sv = np.full((idx.size, pk, 3), np.nan)
        rho = np.full((idx.size, pk), np.nan)
        rr = np.full((idx.size, pk), np.nan)
        if prev is not None and self._prev_idx.size:
            at = np.minimum(np.searchsorted(self._prev_idx, idx), self._prev_idx.size - 1)
            hit = self._prev_idx[at] == idx
            sp[hit], sv[hit] = prev.sat_pos_km[at[hit]], prev.sat_vel_km_s[at[hit]]
            rho[hit], rr[hit] = prev.range_km[at[hit]], prev.range_rate_km_s[at[hit]]
        return verify.Measurements(np.concatenate([sp, now.sat_pos_km], 1), np.concatenate([sv, now.sat_vel_km_s], 1),
                                   np.concatenate([rho, now.range_km], 1),
                                   np.concatenate([rr, now.range_rate_km_s], 1))

    def check(self, positions: Callable[[np.ndarray], np.ndarray], t_unix_s: float, slot_s: float,
              x_ecef_km: np.ndarray, sat: np.ndarray, rep_lat: np.ndarray, rep_lon: np.ndarray,
              speed_kmh: np.ndarray) -> None:
        """One slot's check. ``positions(t_unix (K,)) -> (K, N, 3)``; sat (M,) serving satellite (−1 none)."""
        cfg = self.cfg
        self._slot += 1
        if not cfg.enabled:
            return
        idx = np.flatnonzero(sat >= 0)
        k = cfg.samples_per_slot
        if idx.size == 0:
            self._prev, self._prev_idx = None, idx
            return
        times = t_unix_s + np.linspace(0, slot_s, k, endpoint=False)
        pos = positions(times)[:, sat[idx]]  # (K, S, 3)
        vel = positions(times + 0.5)[:, sat[idx]] - positions(times - 0.5)[:, sat[idx]]
        sp = np.transpose(pos, (1, 0, 2))
        sv = np.transpose(vel, (1, 0, 2))
        now = verify.simulate(x_ecef_km[idx], sp, sv, cfg.range_noise_m, cfg.range_rate_noise_mps, self.rng)
        both = self._with_previous(idx, now)
        self._prev, self._prev_idx = now, idx
        # A terminal at rest is judged on both slots' samples; a moving one on this slot's alone.
        still = speed_kmh[idx] < 5.0
        current = np.arange(both.range_km.shape[1]) >= both.range_km.shape[1] - k
        keep = still[:, None] | current[None, :]
        judged = verify.Measurements(both.sat_pos_km, both.sat_vel_km_s, np.where(keep, both.range_km, np.nan),
                                     np.where(keep, both.range_rate_km_s, np.nan))
        flag, stat = verify.fit_inconsistent(judged, rep_lat[idx], rep_lon[idx], self.alt_km[idx],
                                             cfg.range_noise_m, cfg.range_rate_noise_mps)
        # The network's own fix: all when few, else the flagged, those without a reported position, and a
        # staggered share of the rest.
        if idx.size <= ESTIMATE_ALL_UP_TO:
            fix_sel = np.ones(idx.size, dtype=bool)
        else:
            fix_sel = (self.flagged[idx] | ~np.isfinite(rep_lat[idx]) | ((idx + self._slot) % REFRESH_SLOTS == 0))
        have = fix_sel & (np.isfinite(both.range_km).sum(axis=1) >= 3)
        if have.any():
            sub = verify.Measurements(both.sat_pos_km[have], both.sat_vel_km_s[have], both.range_km[have],
                                      both.range_rate_km_s[have])
            fix = verify.estimate(sub, self.alt_km[idx[have]], cfg.range_noise_m, cfg.range_rate_noise_mps)
            j = idx[have]
            self.est_lat[j], self.est_lon[j] = fix.lat_deg, fix.lon_deg
            self.major_km[j], self.minor_km[j], self.angle_deg[j] = fix.major_km, fix.minor_km, fix.angle_deg
            # A terminal at rest with a fresh fix is judged by the squared Mahalanobis distance of its reported
            # position from the fix (χ², 2 dof, ``chi2_threshold``); the others keep the goodness-of-fit test.
            mflag, d2 = verify.inconsistent(fix, rep_lat[j], rep_lon[j], cfg.chi2_threshold)
            use = still[have] & np.isfinite(d2)
            pos = np.flatnonzero(have)[use]
            flag[pos], stat[pos] = mflag[use], d2[use]
        # Flag only after two inconsistent checks in a row (one bad check is not evidence); keep the flag while
        # no new check arrives (a denied terminal is not measured).
        count = self.inconsistent[idx]
        count = np.where(flag, count + 1, np.where(np.isfinite(stat), 0, count))
        self.inconsistent[idx] = count
        self.flagged[idx] = count >= 2
        self.d2[idx] = stat
