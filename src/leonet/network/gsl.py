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
    rel = sat_ecef_km[:, None, :, :] - site_ecef_km[None, :, None, :]  # (T, G, N, 3)
    rng = np.sqrt(np.einsum("tgnk,tgnk->tgn", rel, rel))
    if policy.max_range_km is not None:
        mask = rng <= policy.max_range_km
    else:
        sin_el = np.einsum("tgnk,gk->tgn", rel, up) / rng
        mask = sin_el >= np.sin(np.deg2rad(policy.min_elevation_deg))
    mask &= np.isfinite(rng)
    return mask, rng
