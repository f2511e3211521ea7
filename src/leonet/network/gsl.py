"""Ground–satellite links: which satellites each ground node may use at an instant."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leonet.errors import LeonetInputError
from leonet.ground.geometry import enu_basis

DEFAULT_MIN_ELEVATION_DEG = 25.0  # Starlink user terminals (FCC 21-48 modification; starlink-facts.md §1)


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
