"""Geofenced zones: validated GeoJSON (Multi)Polygons with a kind, a validity window and a reason, and a fast
vectorised membership test for many points at once.

``country_of`` (from ``borders``) is re-exported here: the control plane's one place for "where is this point".
"""

from __future__ import annotations

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


def cells_geometry(geom: shapely.Geometry, resolution: int = DISABLED_CELL_RESOLUTION) -> shapely.Geometry:
    """The union of the H3 cells whose centres lie in ``geom`` (at least the cell holding a point of it): the area
    a ``disabled_cells`` zone switches off, since the operator disables whole scheduler cells
    (Reuters via
    https://news.online.ua/en/did-musk-order-to-turn-off-starlink-during-the-afu-counteroffensive-in-the-kherson-region-insider-data-895538/
    : disabled terminals' "hexagonal cells went blank")."""
    import h3

    cells = set()
    for poly in getattr(geom, "geoms", [geom]):
        cells |= set(h3.geo_to_cells(poly.__geo_interface__, resolution))
    if not cells:
        p = geom.representative_point()
        cells = {h3.latlng_to_cell(p.y, p.x, resolution)}
    hexes = [_cell_polygon(h3.cell_to_boundary(c)) for c in sorted(cells)]
    return shapely.union_all(hexes)


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
    """The area a stored zone acts on: its polygon, or for ``disabled_cells`` the H3 cells it switches off."""
    geom = validate_geojson(geometry)
    return cells_geometry(geom) if kind == "disabled_cells" else geom


def zones_geojson(session) -> list[dict]:
    """Every stored zone as {id, name, kind, reason, geometry}, the geometry being the area it acts on
    (disabled_cells: its H3 cells, not the polygon drawn)."""
    from sqlalchemy import select

    from leonet.store.models import Zone

    return [{"id": z.id, "name": z.name, "kind": z.kind, "reason": z.reason,
             "geometry": shapely.geometry.mapping(zone_area(z.kind, z.geometry))}
            for z in session.execute(select(Zone)).scalars()]


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
    for p, rings in enumerate(polygons):
        if not isinstance(rings, list) or not rings:
            raise LeonetInputError("a polygon needs at least one ring", field=f"{field}.coordinates[{p}]",
                                   value=rings)
        for r, ring in enumerate(rings):
            where = f"{field}.coordinates" + (f"[{p}]" if kind == "MultiPolygon" else "") + f"[{r}]"
            if not isinstance(ring, list) or len(ring) < 4:
                raise LeonetInputError("a ring needs at least 4 positions (closed)", field=where, value=ring)
            for k, pos in enumerate(ring):
                if (not isinstance(pos, list | tuple) or len(pos) < 2
                        or not all(isinstance(v, int | float) and np.isfinite(v) for v in pos[:2])):
                    raise LeonetInputError("a position must be [longitude, latitude]", field=f"{where}[{k}]",
                                           value=pos)
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
    geom = shape(geometry)
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
