"""Country of a position from shipped borders (package data).

Scales: ``50m`` and ``10m`` are Natural Earth admin-0 (public domain); ``fine`` (the default for decisions) is
Natural Earth 1:10m refined by OpenStreetMap country polygons at 100 m resolution (ODbL, see data/README.md) within
two corridors: ±0.05° around every international land border, so that a town on a border river resolves to its own
country (Natural Earth 1:10m puts Narva, EE, in Russia), and — from the optional ``COAST_FILE`` (shipped for all
coastal countries, see data/README.md) — disks around coastal places, so that a coastal town is not answered "at sea"
(Natural Earth 1:10m puts Kherson's and Anadyr's centres in the water). Inside a corridor a point belongs to the
OSM polygon that contains it (overlapping claims resolve to the Natural Earth answer), or, in a gap of the
simplified OSM data or on a border river, to the nearest OSM polygon within ``SNAP_DEG`` (coastal band:
``COAST_SNAP_DEG``); otherwise it is at sea.

Batch lookups go through a grid index: 0.05° cells that lie wholly inside one country (or wholly at sea) answer
directly; only points in cells crossed by a border or coast get the exact shapely test. Single lookups always use
the exact test, so the two paths check each other (tests/access/test_borders.py). Sea = outside all land = "".
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
from importlib import resources
from pathlib import Path

import numpy as np
import shapely
from scipy import ndimage

from leonet.errors import LeonetInputError

GRID_RES_DEG = 0.05
SEA = ""
DEFAULT_SCALE = "fine"
SCALES = ("fine", "10m", "50m")
SNAP_DEG = 0.01  # ≈ 1.1 km: inside the land-border corridor, a point in no polygon joins the nearest one this close
COAST_SNAP_DEG = 0.004  # ≈ 450 m: the same in the coastal band (town centres lie up to ~330 m outside the data)
FINE_FILE = "osm_land_border_corridor.geojson.gz"
COAST_FILE = "osm_coastal_band.geojson.gz"  # optional: the coastal band near populated places


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
                 source: str, tag: str = ""):
        self.codes = np.array(codes + [SEA], dtype="<U2")  # index len(codes) = sea
        self.names = names
        self.parts = parts  # (K,) shapely Polygons
        self.part_country = part_country  # (K,) index into codes
        shapely.prepare(parts)
        self.tree = shapely.STRtree(parts)
        self.source = source
        self.tag = tag
        self.sea_index = len(codes)
        self._grid: np.ndarray | None = None
        self.fine: FineLayer | None = None

    @classmethod
    def load(cls, scale: str = DEFAULT_SCALE) -> Borders:
        if scale not in SCALES:
            raise LeonetInputError(f"no such border data; use one of {', '.join(SCALES)}", field="scale", value=scale)
        base = "10m" if scale == "fine" else scale
        path = resources.files("leonet") / "data" / "borders" / f"countries_{base}.geojson.gz"
        code_index: dict[str, int] = {}
        names: list[str] = []
        parts, owner = [], []
        for code, name, geom in _read_features(path):
            if code not in code_index:
                code_index[code] = len(code_index)
                names.append(name)
            for poly in polygons_of(geom):
                parts.append(poly)
                owner.append(code_index[code])
        out = cls(list(code_index), names, np.array(parts, dtype=object), np.array(owner), str(path), tag=base)
        if scale == "fine":
            folder = resources.files("leonet") / "data" / "borders"
            files = [folder / FINE_FILE] + [folder / COAST_FILE] * (folder / COAST_FILE).is_file()
            out.fine = FineLayer.load(files, code_index, out.sea_index)
        return out

    # -- exact ---------------------------------------------------------------------------------------------
    def exact_index(self, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
        """Country index (len(codes) = sea) of each point by the exact polygon test. Points on a shared border
        go to the lowest country index."""
        lat = np.atleast_1d(np.asarray(lat_deg, dtype=np.float64))
        lon = np.atleast_1d(np.asarray(lon_deg, dtype=np.float64))
        out = self._exact_base(lat, lon)
        if self.fine is not None and lat.size:
            kind = self.fine.kind_exact(lat, lon)
            inside = np.flatnonzero(kind != FineLayer.OUTSIDE)
            out[inside] = self.fine.resolve(lat[inside], lon[inside], out[inside], kind[inside])
        return out

    def _exact_base(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
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
            owner = self._exact_base(lat, lon).astype(np.int16)
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
            out[todo] = self._exact_base(lat[todo], lon[todo])
        if self.fine is not None:
            kind = self.fine.kind_batch(r, c, lat, lon)
            near = np.flatnonzero(kind != FineLayer.OUTSIDE)
            if near.size:
                out[near] = self.fine.resolve(lat[near], lon[near], out[near], kind[near])
        return out


class FineLayer:
    """OSM country polygons clipped to corridors: around the land borders and, near populated places, around the
    coasts (see the module docstring)."""

    BORDER, COAST, OUTSIDE = 0, 1, 2

    def __init__(self, parts: np.ndarray, part_country: np.ndarray, corridor: Borders, sea_index: int):
        self.parts = parts
        self.part_country = part_country
        shapely.prepare(parts)
        self.tree = shapely.STRtree(parts)
        self.corridor = corridor  # "countries" 0 = land-border corridor, 1 = coastal band (border wins on overlap)
        self.sea_index = sea_index

    @classmethod
    def load(cls, paths: list, code_index: dict[str, int], sea_index: int) -> FineLayer:
        parts, owner, corridor, kind = [], [], [], []
        for path in paths:
            for code, _, geom, corridor_kind in _read_features(path, corridor_key=True):
                if code is None:
                    polys = polygons_of(geom)
                    corridor += polys
                    kind += [cls.COAST if corridor_kind == "coast" else cls.BORDER] * len(polys)
                elif code in code_index:
                    polys = polygons_of(geom)
                    parts += polys
                    owner += [code_index[code]] * len(polys)
        band = Borders(["CO", "CS"], ["land-border corridor", "coastal band"], np.array(corridor, dtype=object),
                       np.array(kind, dtype=np.int64), os.pathsep.join(str(p) for p in paths), tag="corridor2")
        return cls(np.array(parts, dtype=object), np.array(owner, dtype=np.int64), band, sea_index)

    def kind_exact(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """BORDER, COAST or OUTSIDE per point, by the exact polygon test."""
        return self.corridor._exact_base(lat, lon)

    def kind_batch(self, r: np.ndarray, c: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """As ``kind_exact``, through the corridor's grid (exact test in mixed cells only)."""
        out = self.corridor.grid[r, c].astype(np.int32)
        mixed = np.flatnonzero(out < 0)
        if mixed.size:
            out[mixed] = self.kind_exact(lat[mixed], lon[mixed])
        return out

    def resolve(self, lat: np.ndarray, lon: np.ndarray, coarse: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """Country index of points inside a corridor. ``coarse`` (the Natural Earth answer) breaks ties between
        overlapping claims; otherwise the lowest index wins, as in the base test. A point in no polygon joins the
        nearest one within SNAP_DEG (land-border corridor: border rivers, gaps) or COAST_SNAP_DEG (coastal band:
        the data's resolution), else it is at sea."""
        out = np.full(lat.shape, self.sea_index, dtype=np.int32)
        if lat.size == 0:
            return out
        points = shapely.points(lon, lat)
        pi, gi = self.tree.query(points)
        if pi.size:
            hit = shapely.intersects_xy(self.parts[gi], lon[pi], lat[pi])
            pi, gi = pi[hit], gi[hit]
        big = np.int64(1 << 20)
        score = np.full(lat.shape, np.iinfo(np.int64).max, dtype=np.int64)
        if pi.size:
            country = self.part_country[gi]
            np.minimum.at(score, pi, country + big * (country != coarse[pi]))
        found = score != np.iinfo(np.int64).max
        out[found] = (score[found] % big).astype(np.int32)
        for which, snap in ((self.BORDER, SNAP_DEG), (self.COAST, COAST_SNAP_DEG)):
            lost = np.flatnonzero(~found & (kind == which))
            if lost.size:
                li, gi = self.tree.query_nearest(points[lost], max_distance=snap, all_matches=False)
                out[lost[li]] = self.part_country[gi]
        return out


def _read_features(path, corridor_key: bool = False):
    """(code, name, valid geometry[, corridor kind]) of each feature of a gzipped GeoJSON border file; with
    ``corridor_key`` code None marks a corridor and a fourth item gives its kind ("coast" or True = land border).
    Parsed once, then read from a WKB cache on disk keyed by the file's hash (parsing the JSON and building the
    geometries costs seconds of CPU — tens of seconds on a loaded machine — and every server start needs them)."""
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()[:16]
    cache = _cache_dir() / f"borders-v2-{digest}-{int(corridor_key)}.npz"
    try:
        with np.load(cache, allow_pickle=False) as z:
            blob, cut = z["wkb"].tobytes(), z["offsets"].tolist()
            geoms = shapely.from_wkb(np.array([blob[a:b] for a, b in zip(cut[:-1], cut[1:], strict=True)],
                                              dtype=object))
            codes, names, kinds = z["codes"].tolist(), z["names"].tolist(), z["kinds"].tolist()
        kinds = [None if k == "" else True if k == "True" else k for k in kinds]
        if corridor_key:
            return [(None if k else code, name, g, k) for code, name, k, g in zip(codes, names, kinds, geoms,
                                                                                 strict=True)]
        return [(code, name, g) for code, name, g in zip(codes, names, geoms, strict=True)]
    except (OSError, ValueError, KeyError):
        pass
    out = []
    for feature in json.loads(gzip.decompress(raw))["features"]:
        props = feature["properties"]
        geom = shapely.make_valid(shapely.geometry.shape(feature["geometry"]))
        kind = props.get("corridor") if corridor_key else None
        out.append((None if kind else props["iso_a2"], props["name"], geom, kind))
    try:
        blobs = [np.frombuffer(b, dtype=np.uint8) for b in shapely.to_wkb([f[2] for f in out])]
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(cache.name + f".{os.getpid()}.tmp.npz")
        np.savez(tmp, wkb=np.concatenate(blobs), offsets=np.cumsum([0] + [len(b) for b in blobs]),
                 codes=np.array([f[0] or "" for f in out]), names=np.array([f[1] for f in out]),
                 kinds=np.array(["" if f[3] is None else str(f[3]) for f in out]))
        os.replace(tmp, cache)
    except OSError:
        pass
    return out if corridor_key else [f[:3] for f in out]


def _cache_dir() -> Path:
    return Path(os.environ.get("LEONET_CACHE", Path.home() / ".cache" / "leonet"))


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
    h = hashlib.sha256()
    for part in borders.source.split(os.pathsep):
        h.update(Path(part).read_bytes())
    digest = h.hexdigest()[:16]
    cache_dir = Path(os.environ.get("LEONET_CACHE", Path.home() / ".cache" / "leonet"))
    path = cache_dir / f"border-grid-{borders.tag}-{digest}-{GRID_RES_DEG}.npy"
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


_LOADED: dict[str, Borders] = {}
_LOAD_LOCK = threading.Lock()


def borders(scale: str = DEFAULT_SCALE) -> Borders:
    """The shipped borders, loaded once per process: threads asking together wait for the one load (an
    ``lru_cache`` alone lets simultaneous first callers each load them, and keys ``borders()`` apart from
    ``borders("fine")``)."""
    hit = _LOADED.get(scale)
    if hit is None:
        with _LOAD_LOCK:
            hit = _LOADED.get(scale)
            if hit is None:
                hit = _LOADED[scale] = Borders.load(scale)
    return hit


def country_of(lat_deg, lon_deg, *, scale: str = DEFAULT_SCALE) -> np.ndarray:
    """ISO 3166-1 alpha-2 code of the country at each position ("" = sea), vectorised, shape as input."""
    b = borders(scale)
    lat = np.asarray(lat_deg, dtype=np.float64)
    return b.codes[b.index_batch(lat.ravel(), np.asarray(lon_deg, dtype=np.float64).ravel())].reshape(lat.shape)
