"""Country of a position from Natural Earth admin-0 borders (public domain, shipped as package data).

Batch lookups go through a grid index: 0.05° cells that lie wholly inside one country (or wholly at sea) answer
directly; only points in cells crossed by a border or coast get the exact shapely test. Single lookups always use
the exact test, so the two paths check each other (tests/access/test_borders.py). Sea = outside all land = "".
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import shapely
from scipy import ndimage

from leonet.errors import LeonetInputError

GRID_RES_DEG = 0.05
SEA = ""


def polygons_of(geom) -> list:
    """The non-empty polygons inside any geometry (collections and multi-geometries unpacked)."""
    if isinstance(geom, shapely.Polygon):
        return [geom] if not geom.is_empty and geom.area > 0 else []
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in polygons_of(g)]
    return []


class Borders:
    """Country polygons with an exact point test (STRtree) and a grid index for batches."""

    def __init__(self, codes: list[str], names: list[str], parts: np.ndarray, part_country: np.ndarray,
                 source: str):
        self.codes = np.array(codes + [SEA], dtype="<U2")  # index len(codes) = sea
        self.names = names
        self.parts = parts  # (K,) shapely Polygons
        self.part_country = part_country  # (K,) index into codes
        shapely.prepare(parts)
        self.tree = shapely.STRtree(parts)
        self.source = source
        self.sea_index = len(codes)
        self._grid: np.ndarray | None = None

    @classmethod
    def load(cls, scale: str = "10m") -> Borders:
        path = resources.files("leonet") / "data" / "borders" / f"countries_{scale}.geojson.gz"
        if not path.is_file():
            raise LeonetInputError("no such border data; use 10m or 50m", field="scale", value=scale)
        data = json.loads(gzip.decompress(path.read_bytes()))
        code_index: dict[str, int] = {}
        names: list[str] = []
        parts, owner = [], []
        for feature in data["features"]:
            code = feature["properties"]["iso_a2"]
            if code not in code_index:
                code_index[code] = len(code_index)
                names.append(feature["properties"]["name"])
            geom = shapely.make_valid(shapely.geometry.shape(feature["geometry"]))
            for poly in polygons_of(geom):
                parts.append(poly)
                owner.append(code_index[code])
        return cls(list(code_index), names, np.array(parts, dtype=object), np.array(owner), str(path))

    # -- exact ---------------------------------------------------------------------------------------------
    def exact_index(self, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
        """Country index (len(codes) = sea) of each point by the exact polygon test. Points on a shared border
        go to the lowest country index."""
        lat = np.atleast_1d(np.asarray(lat_deg, dtype=np.float64))
        lon = np.atleast_1d(np.asarray(lon_deg, dtype=np.float64))
        out = np.full(lat.shape, self.sea_index, dtype=np.int32)
        if lat.size == 0:
            return out
        points = shapely.points(lon, lat)
        pi, gi = self.tree.query(points)  # bounding-box candidates
        if pi.size:
            hit = shapely.intersects_xy(self.parts[gi], lon[pi], lat[pi])  # exact, on prepared polygons
            pi, gi = pi[hit], gi[hit]
        if pi.size:
            country = self.part_country[gi]
            np.minimum.at(out, pi, country)
        return out

    # -- grid ----------------------------------------------------------------------------------------------
    def _build_grid(self) -> np.ndarray:
        rows, cols = int(round(180 / GRID_RES_DEG)), int(round(360 / GRID_RES_DEG))
        mixed = np.zeros((rows, cols), dtype=bool)
        xy = _dense_ring_points(self.parts, GRID_RES_DEG / 4)
        r, c = self._cell(xy[:, 1], xy[:, 0], rows, cols)
        mixed[r, c] = True
        mixed = ndimage.binary_dilation(mixed, structure=np.ones((3, 3), dtype=bool))
        labels, count = ndimage.label(~mixed)
        grid = np.full((rows, cols), -1, dtype=np.int16)  # −1: mixed, needs the exact test
        if count:
            first = ndimage.minimum_position(labels, labels, index=np.arange(1, count + 1))
            first = np.array(first, dtype=np.int64)
            lat = -90 + (first[:, 0] + 0.5) * GRID_RES_DEG
            lon = -180 + (first[:, 1] + 0.5) * GRID_RES_DEG
            owner = self.exact_index(lat, lon).astype(np.int16)
            lut = np.concatenate([[-1], owner]).astype(np.int16)
            grid = lut[labels]
        return grid

    @staticmethod
    def _cell(lat, lon, rows, cols):
        r = np.clip(((np.asarray(lat) + 90.0) / GRID_RES_DEG).astype(np.int64), 0, rows - 1)
        c = np.clip(((np.asarray(lon) + 180.0) / GRID_RES_DEG).astype(np.int64), 0, cols - 1)
        return r, c

    @property
    def grid(self) -> np.ndarray:
        if self._grid is None:
            self._grid = _cached_grid(self)
        return self._grid

    def index_batch(self, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
        """Country index per point through the grid; exact test only for points in mixed cells."""
        lat = np.asarray(lat_deg, dtype=np.float64)
        lon = np.asarray(lon_deg, dtype=np.float64)
        grid = self.grid
        r, c = self._cell(lat, lon, *grid.shape)
        out = grid[r, c].astype(np.int32)
        todo = np.flatnonzero(out < 0)
        if todo.size:
            out[todo] = self.exact_index(lat[todo], lon[todo])
        return out


def _dense_ring_points(polygons: np.ndarray, step_deg: float) -> np.ndarray:
    """Points along every ring of the polygons, no two consecutive ones farther apart than ``step_deg``."""
    interiors = [shapely.LinearRing(r) for p in polygons for r in p.interiors]
    rings = np.concatenate([shapely.get_exterior_ring(polygons), np.array(interiors, dtype=object)])
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    n = np.maximum(1, np.ceil(np.hypot(*(b - a).T) / step_deg)).astype(np.int64)
    seg = np.repeat(np.arange(len(a)), n)
    frac = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n, n)
    return np.concatenate([a[seg] + (b[seg] - a[seg]) * frac[:, None], xy])


def _cached_grid(borders: Borders) -> np.ndarray:
    """The grid index, cached on disk (keyed by the border file's hash and the resolution)."""
    digest = hashlib.sha256(Path(borders.source).read_bytes()).hexdigest()[:16]
    cache_dir = Path(os.environ.get("LEONET_CACHE", Path.home() / ".cache" / "leonet"))
    path = cache_dir / f"border-grid-{digest}-{GRID_RES_DEG}.npy"
    if path.exists():
        try:
            return np.load(path)
        except (OSError, ValueError):
            pass
    grid = borders._build_grid()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, grid)
        os.replace(tmp, path)
    except OSError:
        pass
    return grid


@lru_cache(maxsize=2)
def borders(scale: str = "10m") -> Borders:
    """The shipped borders (loaded once per process)."""
    return Borders.load(scale)


def country_of(lat_deg, lon_deg, *, scale: str = "10m") -> np.ndarray:
    """ISO 3166-1 alpha-2 code of the country at each position ("" = sea), vectorised, shape as input."""
    b = borders(scale)
    lat = np.asarray(lat_deg, dtype=np.float64)
    return b.codes[b.index_batch(lat.ravel(), np.asarray(lon_deg, dtype=np.float64).ravel())].reshape(lat.shape)
