"""Scheduler cells: H3 hexagons (service is sold and scheduled per hexagonal cell: Reuters via
https://news.online.ua/en/did-musk-order-to-turn-off-starlink-during-the-afu-counteroffensive-in-the-kherson-region-insider-data-895538/
; H3 cell ids in the account telemetry: https://github.com/Eitol/starlink-tools README)."""

from __future__ import annotations

import h3
import numpy as np


def cells_of(lat_deg: np.ndarray, lon_deg: np.ndarray, resolution: int) -> np.ndarray:
    """H3 cell (uint64) of each position. h3-py has no array API, so callers cache cells of fixed terminals."""
    lat = np.asarray(lat_deg, dtype=float)
    lon = np.asarray(lon_deg, dtype=float)
    out = np.zeros(lat.shape, dtype=np.uint64)
    ok = np.isfinite(lat) & np.isfinite(lon)
    out[ok] = [h3.str_to_int(h3.latlng_to_cell(a, b, resolution)) for a, b in zip(lat[ok], lon[ok], strict=True)]
    return out


def cell_names(cells: np.ndarray) -> list[str]:
    return [h3.int_to_str(int(c)) if c else "" for c in cells]


def cell_centres(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pts = np.array([h3.cell_to_latlng(h3.int_to_str(int(c))) for c in cells]).reshape(-1, 2)
    return pts[:, 0], pts[:, 1]
