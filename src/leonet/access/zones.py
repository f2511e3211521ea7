"""Geofenced zones: validated GeoJSON (Multi)Polygons with a kind, a validity window and a reason, and a fast
vectorised membership test for many points at once.

``country_of`` (from ``borders``) is re-exported here: the control plane's one place for "where is this point".
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import shape
from shapely.validation import explain_validity

from leonet.access.borders import country_of  # noqa: F401 - public re-export
from leonet.errors import LeonetInputError

ZONE_KINDS = ("blocked_area", "whitelist_only", "monitoring", "disabled_cells")
# H3 resolution of the scheduler cells (a modelling choice: the operator's resolution is not published)
DISABLED_CELL_RESOLUTION = 5
# H3's sphere: "a spherical model of the earth using the authalic radius given by WGS84"
# (https://h3geo.org/docs/core-library/restable, read 2026-11-26)
H3_EARTH_RADIUS_KM = 6371.007180918475
MAX_DISABLED_CELLS = 10_000  # ~2.5 million km² (four times Ukraine); listing and merging them takes ~0.4 s per load


def cells_geometry(geom: shapely.Geometry, resolution: int = DISABLED_CELL_RESOLUTION) -> shapely.Geometry:
    """The union of the H3 cells whose centres lie in ``geom`` (at least the cell holding a point of it): the area
    a ``disabled_cells`` zone switches off, since the operator disables whole scheduler cells
    (Reuters via
    https://news.online.ua/en/did-musk-order-to-turn-off-starlink-during-the-afu-counteroffensive-in-the-kherson-region-insider-data-895538/
    : disabled terminals' "hexagonal cells went blank")."""
    import h3

    cells = set()
    for poly in _meridian_halves(geom):
        cells |= set(h3.geo_to_cells(poly.__geo_interface__, resolution))
    if not cells:
        p = geom.representative_point()
        cells = {h3.latlng_to_cell(p.y, p.x, resolution)}
    hexes = [_cell_polygon(h3.cell_to_boundary(c)) for c in sorted(cells)]
    return shapely.union_all(hexes)


def _meridian_halves(geom: shapely.Geometry) -> list[shapely.Geometry]:
    """The polygons of ``geom`` cut at the prime meridian, so that none spans 180° of longitude or more: H3 takes a
    polygon that wide for one crossing the antimeridian and would fill the *other* side of the globe, where every
    other zone kind reads coordinates as drawn (planar longitude/latitude)."""
    out = []
    for west_deg, east_deg in ((-180.0, 0.0), (0.0, 180.0)):
        half = shapely.clip_by_rect(geom, west_deg, -90.0, east_deg, 90.0)
        out += [p for p in getattr(half, "geoms", [half]) if isinstance(p, shapely.Polygon) and p.area > 0]
    return out


def disabled_cell_estimate(geom: shapely.Geometry) -> float:
    """How many H3 cells of DISABLED_CELL_RESOLUTION ``geom`` covers, from its area on the sphere (lon/lat mapped
    to Lambert's cylindrical equal-area projection, where planar area is area on the sphere) over the cells' mean
    area. Cheap (no cells are listed); for refusing a zone too large to switch off cell by cell."""
    import h3

    r_km = H3_EARTH_RADIUS_KM
    flat = shapely.transform(geom, lambda xy: np.column_stack([np.radians(xy[:, 0]) * r_km,
                                                               np.sin(np.radians(xy[:, 1])) * r_km]))
    return flat.area / h3.average_hexagon_area(DISABLED_CELL_RESOLUTION, "km^2")


def check_disabled_cells(geom: shapely.Geometry, field: str = "geometry") -> None:
    """LeonetInputError if a ``disabled_cells`` zone would switch off more than MAX_DISABLED_CELLS cells (its cells
    are listed and merged at every policy load: a continent's worth took 40 s and 1 GB per load)."""
    estimate = disabled_cell_estimate(geom)
    if estimate > MAX_DISABLED_CELLS:
        raise LeonetInputError(f"a disabled_cells zone switches off at most {MAX_DISABLED_CELLS} H3 cells "
                               f"(resolution {DISABLED_CELL_RESOLUTION}, ~253 km² each); this one covers "
                               f"~{estimate:,.0f}: draw a smaller area, or use a blocked_area zone", field=field,
                               value=round(estimate))


def _cell_polygon(boundary) -> shapely.Geometry:
    """An H3 cell's boundary [(lat, lon), …] as a valid (Multi)Polygon in [-180, 180]: a cell that straddles the
    antimeridian is cut there into its two halves."""
    lat = np.array([p[0] for p in boundary])
    lon = np.array([p[1] for p in boundary])
    if lon.max() - lon.min() <= 180.0:
        return shapely.Polygon(np.column_stack([lon, lat]))
    poly = shapely.Polygon(np.column_stack([np.where(lon < 0, lon + 360.0, lon), lat]))
    east = shapely.clip_by_rect(poly, -180.0, -90.0, 180.0, 90.0)
    west = shapely.affinity.translate(shapely.clip_by_rect(poly, 180.0, -90.0, 540.0, 90.0), xoff=-360.0)
    return shapely.union(east, west)


def zone_area(kind: str, geometry: dict) -> shapely.Geometry:
    """The area a stored zone acts on: its polygon, or for ``disabled_cells`` the H3 cells it switches off.
    Remembered by content, so a policy reload does not rebuild the zones it loaded before (ended zones stay in
    the store, and in every reload, for decisions asked about the past)."""
    key = hashlib.sha256(json.dumps([kind, geometry], sort_keys=True, separators=(",", ":")).encode()).digest()
    hit = _AREAS.get(key)
    if hit is None:
        geom = validate_geojson(geometry)
        hit = cells_geometry(geom) if kind == "disabled_cells" else geom
        with _AREAS_LOCK:
            if len(_AREAS) >= _AREAS_MAX:
                _AREAS.pop(next(iter(_AREAS)))  # oldest first
            _AREAS[key] = hit
    return hit


_AREAS: dict[bytes, shapely.Geometry] = {}
_AREAS_LOCK = threading.Lock()
_AREAS_MAX = 4096


def zones_geojson(session) -> list[dict]:
    """Every stored zone as {id, name, kind, reason, geometry}, the geometry being the area it acts on
    (disabled_cells: its H3 cells, not the polygon drawn)."""
    from sqlalchemy import select

    from leonet.store.models import Zone

    return [{"id": z.id, "name": z.name, "kind": z.kind, "reason": z.reason,
             "geometry": shapely.geometry.mapping(zone_area(z.kind, z.geometry))}
            for z in session.execute(select(Zone)).scalars()]


MAX_ZONE_VERTICES = 20_000  # a country outline at 1:10m has a few thousand; a million stalls every decision


def validate_geojson(geometry: object, field: str = "geometry") -> shapely.Geometry:
    """A shapely (Multi)Polygon from GeoJSON, or a LeonetInputError naming the problem and the value."""
    if not isinstance(geometry, dict):
        raise LeonetInputError("must be a GeoJSON object", field=field, value=geometry)
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise LeonetInputError("type must be Polygon or MultiPolygon", field=f"{field}.type", value=kind)
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or not coords:
        raise LeonetInputError("must be a non-empty array", field=f"{field}.coordinates", value=coords)
    polygons = [coords] if kind == "Polygon" else coords
    if not polygons:
        raise LeonetInputError("must be a non-empty array", field=f"{field}.coordinates", value=coords)
    vertices = sum(len(ring) for rings in polygons if isinstance(rings, list) for ring in rings
                   if isinstance(ring, list))
    if vertices > MAX_ZONE_VERTICES:  # counted before any geometry work
        raise LeonetInputError(f"at most {MAX_ZONE_VERTICES} vertices per zone (simplify it, or split it into "
                               "several zones)", field=f"{field}.coordinates", value=vertices)
    for p, rings in enumerate(polygons):
        if not isinstance(rings, list) or not rings:
            raise LeonetInputError("a polygon needs at least one ring", field=f"{field}.coordinates[{p}]",
                                   value=rings)
        for r, ring in enumerate(rings):
            where = f"{field}.coordinates" + (f"[{p}]" if kind == "MultiPolygon" else "") + f"[{r}]"
            if not isinstance(ring, list) or len(ring) < 4:
                raise LeonetInputError("a ring needs at least 4 positions (closed)", field=where, value=ring)
            for k, pos in enumerate(ring):
                if (not isinstance(pos, list | tuple) or not 2 <= len(pos) <= 3
                        or not all(isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v)
                                   for v in pos)):
                    raise LeonetInputError("a position must be [longitude, latitude] or [longitude, latitude, "
                                           "altitude], finite numbers", field=f"{where}[{k}]", value=pos)
                lon, lat = pos[0], pos[1]
                if not -180 <= lon <= 180:
                    raise LeonetInputError("longitude out of range [-180, 180] (GeoJSON order is [lon, lat])",
                                           field=f"{where}[{k}][0]", value=lon)
                if not -90 <= lat <= 90:
                    raise LeonetInputError("latitude out of range [-90, 90] (GeoJSON order is [lon, lat])",
                                           field=f"{where}[{k}][1]", value=lat)
            if list(ring[0][:2]) != list(ring[-1][:2]):
                raise LeonetInputError("ring is not closed: first and last positions differ", field=where,
                                       value=[ring[0], ring[-1]])
    flat = [[[pos[:2] for pos in ring] for ring in rings] for rings in polygons]  # altitudes dropped
    geom = shape({"type": kind, "coordinates": flat[0] if kind == "Polygon" else flat})
    if not geom.is_valid:
        raise LeonetInputError(f"invalid polygon: {explain_validity(geom)}", field=field, value=kind)
    if geom.area == 0:
        raise LeonetInputError("polygon has zero area", field=field, value=kind)
    return geom


@dataclass(frozen=True)
class ZoneRule:
    """A zone as the policy sees it."""

    zone_id: int
    name: str
    kind: str
    geometry: shapely.Geometry
    valid_from: datetime | None
    valid_to: datetime | None
    reason: str
    max_speed_kmh: float | None = None

    def active_at(self, t: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= t) and (self.valid_to is None or t < self.valid_to)


class ZoneIndex:
    """Membership of many points in many zones: a bounding-box prefilter per zone, then shapely 2's vectorised
    ``contains_xy`` on prepared geometries for the points inside the box (boundary points count as inside)."""

    def __init__(self, zones: list[ZoneRule]):
        self.zones = zones
        for z in zones:
            shapely.prepare(z.geometry)
        self.bounds = np.array([z.geometry.bounds for z in zones]).reshape(-1, 4)

    def members(self, lat_deg: np.ndarray, lon_deg: np.ndarray) -> list[np.ndarray]:
        """For each zone, the indices of the points inside it (sorted)."""
        lat = np.asarray(lat_deg, dtype=np.float64)
        lon = np.asarray(lon_deg, dtype=np.float64)
        out = []
        if not self.zones:
            return out
        # Points outside the union of all boxes are dropped once; then per zone, box test then exact test.
        x0, y0 = self.bounds[:, 0].min(), self.bounds[:, 1].min()
        x1, y1 = self.bounds[:, 2].max(), self.bounds[:, 3].max()
        near = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
        la, lo = lat[near], lon[near]
        for z, zone in enumerate(self.zones):  # a few dozen zones; every step inside is vectorised over points
            bx0, by0, bx1, by1 = self.bounds[z]
            cand = np.flatnonzero((lo >= bx0) & (lo <= bx1) & (la >= by0) & (la <= by1))
            if cand.size:
                cand = cand[shapely.intersects_xy(zone.geometry, lo[cand], la[cand])]
            out.append(near[cand])
        return out
