"""Ground–satellite links: which satellites each ground node may use at an instant."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leonet.errors import LeonetInputError
from leonet.ground.geometry import enu_basis

DEFAULT_MIN_ELEVATION_DEG = 25.0  # Starlink user terminals (FCC 21-48 modification, https://docs.fcc.gov/public/attachments/FCC-21-48A1.pdf)


@dataclass(frozen=True)
class GslPolicy:
    """Visible when elevation ≥ ``min_elevation_deg`` or, if ``max_range_km`` is set, when slant range ≤ it."""

    min_elevation_deg: float | None = DEFAULT_MIN_ELEVATION_DEG
    max_range_km: float | None = None

    def __post_init__(self) -> None:
        if self.max_range_km is not None:
            if not self.max_range_km > 0:
                raise LeonetInputError("must be > 0", field="max_gsl_range_km", value=self.max_range_km)
            object.__setattr__(self, "min_elevation_deg", None)
        elif self.min_elevation_deg is None or not -90 <= self.min_elevation_deg <= 90:
            raise LeonetInputError("must be within [-90, 90]", field="min_elevation", value=self.min_elevation_deg)


def gsl_visibility(site_ecef_km: np.ndarray, site_lat_deg: np.ndarray, site_lon_deg: np.ndarray,
                   sat_ecef_km: np.ndarray, policy: GslPolicy) -> tuple[np.ndarray, np.ndarray]:
    """Visibility mask and slant range for sites (G,) and satellites (T, N, 3): each (T, G, N).

    Satellites with NaN positions (failed propagation) are never visible."""
    up = enu_basis(site_lat_deg, site_lon_deg)[:, 2, :]  # (G, 3)
    site = np.asarray(site_ecef_km, dtype=np.float64)
    sat = np.asarray(sat_ecef_km, dtype=np.float64)
    # |s − g|² = |s|² + |g|² − 2 s·g and (s − g)·up = s·up − g·up, with the dot products as BLAS matmuls.
    s_dot_g = np.swapaxes(sat @ site.T, -1, -2)  # (T, G, N)
    sat_sq = np.einsum("tnk,tnk->tn", sat, sat)[:, None, :]
    site_sq = np.einsum("gk,gk->g", site, site)[None, :, None]
    rng = np.sqrt(np.maximum(sat_sq + site_sq - 2.0 * s_dot_g, 0.0))
    if policy.max_range_km is not None:
        mask = rng <= policy.max_range_km
    else:
        height = np.swapaxes(sat @ up.T, -1, -2) - np.einsum("gk,gk->g", site, up)[None, :, None]
        mask = height >= np.sin(np.deg2rad(policy.min_elevation_deg)) * rng
    mask &= np.isfinite(rng)
    return mask, rng


def max_slant_range_km(policy: GslPolicy, sat_radius_km: float, site_radius_km: float) -> float:
    """Largest slant range at which ``policy`` can see a satellite at ``sat_radius_km`` from a site at
    ``site_radius_km`` (both from the Earth's centre)."""
    if policy.max_range_km is not None:
        return float(policy.max_range_km)
    # Spherical bound, loosened by 1° of elevation: geodetic and geocentric verticals differ by up to ~0.2°.
    el = np.deg2rad(max(policy.min_elevation_deg - 1.0, -90.0))
    return float(np.sqrt(sat_radius_km**2 - (site_radius_km * np.cos(el)) ** 2) - site_radius_km * np.sin(el))


DENSE_PAIRS = 20_000_000  # sites × satellites up to which candidates are found by brute force, not a k-d tree


class GslIndex:
    """Per-step visibility through a k-d tree of the satellites: only satellites within the largest possible
    slant range of a site are tested exactly. Same answers as ``gsl_visibility``, without the dense G × N work."""

    def __init__(self, site_ecef_km: np.ndarray, site_lat_deg: np.ndarray, site_lon_deg: np.ndarray,
                 policy: GslPolicy):
        self.site = np.asarray(site_ecef_km, dtype=np.float64)
        self.up = enu_basis(site_lat_deg, site_lon_deg)[:, 2, :]
        self.policy = policy
        self.site_r_min = float(np.linalg.norm(self.site, axis=1).min())
        self.sin_el = None if policy.max_range_km is not None else np.sin(np.deg2rad(policy.min_elevation_deg))
        self._tree = None  # k-d tree of the sites, built on first use

    def _radius_km(self, sat_ecef_km: np.ndarray, finite: np.ndarray) -> float:
        """Largest possible slant range to the satellites (N, 3) ``finite``, + 5 km."""
        return max_slant_range_km(self.policy, float(np.linalg.norm(sat_ecef_km[finite], axis=1).max()),
                                  self.site_r_min) + 5.0

    def _near(self, sat_ecef_km: np.ndarray, finite: np.ndarray, radius_km: float):
        """(site, satellite) pairs within ``radius_km`` of the satellites (N, 3) ``finite`` (indices with finite
        positions), by a dual k-d tree search."""
        from scipy.spatial import cKDTree

        if self._tree is None:
            self._tree = cKDTree(self.site)
        near = self._tree.sparse_distance_matrix(cKDTree(sat_ecef_km[finite]), radius_km, output_type="ndarray")
        return near["i"].astype(np.int64), finite[near["j"]]

    def _near_dense(self, sat_ecef_km: np.ndarray, finite: np.ndarray, radius_km: float):
        """As ``_near`` by brute force over blocks of sites (no k-d tree, no SciPy import), sorted by site then
        satellite."""
        sat = sat_ecef_km[finite]
        block = max(1, 2_000_000 // max(finite.size, 1))
        gi, si = [], []
        for a in range(0, len(self.site), block):
            rel = sat[None, :, :] - self.site[a:a + block, None, :]
            g, j = np.nonzero(np.einsum("gnc,gnc->gn", rel, rel) <= radius_km * radius_km)
            gi.append(g + a)
            si.append(finite[j])
        return np.concatenate(gi).astype(np.int64), np.concatenate(si).astype(np.int64)

    def _exact(self, sat_ecef_km: np.ndarray, gi: np.ndarray, si: np.ndarray):
        """The candidate pairs that are visible: site, satellite, slant range and sine of the elevation."""
        rel = sat_ecef_km[si] - self.site[gi]
        dist = np.sqrt(np.einsum("kc,kc->k", rel, rel))
        sin_el = np.einsum("kc,kc->k", rel, self.up[gi]) / np.maximum(dist, 1e-9)
        ok = dist <= self.policy.max_range_km if self.policy.max_range_km is not None else sin_el >= self.sin_el
        return gi[ok], si[ok], dist[ok], sin_el[ok]

    def pairs(self, sat_ecef_km: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The visible (site, satellite) pairs at one instant, sparse: site index (K,), satellite index (K,),
        slant range km (K,) and elevation deg (K,), in no particular order. Satellites (N, 3) with NaN positions
        are never visible. A dual k-d tree search finds the pairs within the largest possible slant range."""
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
        finite = np.flatnonzero(np.isfinite(sat_ecef_km).all(axis=1))
        if finite.size == 0 or len(self.site) == 0:
            return empty
        gi, si = self._near(sat_ecef_km, finite, self._radius_km(sat_ecef_km, finite))
        if gi.size == 0:
            return empty
        gi, si, dist, sin_el = self._exact(sat_ecef_km, gi, si)
        return gi, si, dist, np.rad2deg(np.arcsin(np.clip(sin_el, -1.0, 1.0)))

    def step(self, sat_ecef_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Visibility mask and slant range, each (G, N), for one instant's satellites (N, 3); the range is inf
        where not visible."""
        g, n = len(self.site), len(sat_ecef_km)
        mask = np.zeros((g, n), dtype=bool)
        rng = np.full((g, n), np.inf)
        gi, si, dist, _ = self.pairs(sat_ecef_km)
        mask[gi, si] = True
        rng[gi, si] = dist
        return mask, rng

    def steps(self, sat_ecef_km: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """``step`` for each instant of (T, N, 3) as sparse (site, satellite, range) sorted by site then
        satellite (the order of ``np.nonzero`` on the mask). One k-d tree search serves all T instants: the
        candidates are the pairs within the largest slant range plus the farthest any satellite moves from the
        middle instant; each instant then tests only those, with the same arithmetic as ``pairs``."""
        t = len(sat_ecef_km)
        finite = np.flatnonzero(np.isfinite(sat_ecef_km).all(axis=2).all(axis=0))
        if t == 0 or finite.size == 0 or len(self.site) == 0 or finite.size < sat_ecef_km.shape[1]:
            return [self._sorted(*self.pairs(p)[:3]) for p in sat_ecef_km]  # failed propagation: step by step
        radius = self._radius_km(sat_ecef_km.reshape(-1, 3), np.arange(sat_ecef_km.shape[0] * finite.size))
        mid = sat_ecef_km[t // 2]
        moved = sat_ecef_km - mid[None]
        margin = float(np.sqrt(np.einsum("tnc,tnc->tn", moved, moved).max()))
        if margin > 0.25 * radius:  # long steps: satellites cross the sky within the chunk
            return [self._sorted(*self.pairs(p)[:3]) for p in sat_ecef_km]
        if len(self.site) * finite.size <= DENSE_PAIRS:
            gi, si = self._near_dense(mid, finite, radius + margin + 1.0)
        else:
            gi, si = self._near(mid, finite, radius + margin + 1.0)
            order = np.lexsort((si, gi))
            gi, si = gi[order], si[order]
        # Every pair pairs() would test at instant k (within radius[k] then) is a candidate; the exact test
        # admits no pair beyond radius[k] (a bound on the slant range), so the extra candidates change nothing.
        return [self._exact(p, gi, si)[:3] for p in sat_ecef_km]

    @staticmethod
    def _sorted(gi: np.ndarray, si: np.ndarray, dist: np.ndarray):
        order = np.lexsort((si, gi))
        return gi[order], si[order], dist[order]
