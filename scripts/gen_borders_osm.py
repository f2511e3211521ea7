"""Generate leonet's fine land-border corridor: OpenStreetMap country polygons (100 m resolution, from the npm
package ``@geo-maps/countries-land-100m``) clipped to a corridor around every international *land* border of
Natural Earth 1:10m. Inside the corridor decisions use these polygons; elsewhere Natural Earth 1:10m.
See data/README.md for the exact commands and licences (OSM data: ODbL; Natural Earth: public domain).

    python scripts/gen_borders_osm.py MAP.geo.json NE_SHAPEFILE_BASENAME OUT.geojson.gz
"""

import gzip
import json
import sys
import time

import numpy as np
import shapefile  # pyshp, needed only here
import shapely

CORRIDOR_DEG = 0.05  # half-width of the corridor around Natural Earth's land borders (≈ 5.5 km north–south)
TOUCH_DEG = 1e-5  # two Natural Earth countries share a border where their boundaries come this close
EXTRA_A3 = {"XKX": "XK"}  # OSM codes outside ISO 3166 → leonet's codes


def a3_to_a2(ne_base: str) -> dict[str, str]:
    table = dict(EXTRA_A3)
    for rec in shapefile.Reader(ne_base).iterRecords():
        a2 = rec["ISO_A2_EH"]
        if a2 and a2 != "-99":
            for key in ("ISO_A3_EH", "ISO_A3", "ADM0_A3"):
                if rec[key] and rec[key] != "-99":
                    table.setdefault(rec[key], a2)
    return table


def ne_countries(path: str) -> dict[str, shapely.Geometry]:
    data = json.loads(gzip.decompress(open(path, "rb").read()))
    out: dict[str, list] = {}
    for f in data["features"]:
        out.setdefault(f["properties"]["iso_a2"], []).append(shapely.make_valid(shapely.geometry.shape(f["geometry"])))
    return {code: shapely.union_all(geoms) for code, geoms in out.items()}


def land_borders(countries: dict[str, shapely.Geometry]) -> shapely.Geometry:
    codes = list(countries)
    geoms = np.array([countries[c] for c in codes], dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    lines = []
    for i, j in zip(left, right, strict=True):
        if i < j:
            shared = shapely.intersection(shapely.boundary(geoms[i]), shapely.buffer(geoms[j], TOUCH_DEG))
            if not shared.is_empty:
                lines.append(shared)
    return shapely.union_all(lines)


def subdivide(geom: shapely.Geometry, max_vertices: int = 2000) -> list[shapely.Geometry]:
    """Cut a polygon into boxes (quadtree by clip_by_rect) until each piece has at most ``max_vertices``."""
    if shapely.get_num_coordinates(geom) <= max_vertices:
        return [geom]
    x0, y0, x1, y1 = geom.bounds
    if x1 - x0 >= y1 - y0:
        xm = (x0 + x1) / 2
        boxes = [(x0, y0, xm, y1), (xm, y0, x1, y1)]
    else:
        ym = (y0 + y1) / 2
        boxes = [(x0, y0, x1, ym), (x0, ym, x1, y1)]
    out = []
    for box in boxes:
        try:
            piece = shapely.clip_by_rect(geom, *box)
        except shapely.errors.GEOSException:  # clipping an invalid ring: repair this (smaller) piece first
            piece = shapely.clip_by_rect(shapely.make_valid(geom), *box)
        if not piece.is_empty:
            out += subdivide(piece, max_vertices)
    return out


def main(osm_path: str, ne_base: str, out: str, ne10m: str = "src/leonet/data/borders/countries_10m.geojson.gz"):
    t0 = time.time()
    table = a3_to_a2(ne_base)
    ne = ne_countries(ne10m)
    borders = land_borders(ne)
    corridor = shapely.make_valid(shapely.buffer(borders, CORRIDOR_DEG, quad_segs=4))
    print(f"corridor: {shapely.get_num_coordinates(corridor)} vertices ({time.time() - t0:.0f} s)", file=sys.stderr)
    osm = json.load(open(osm_path))
    tiles = np.array(subdivide(corridor, 500), dtype=object)
    shapely.prepare(tiles)
    tile_tree = shapely.STRtree(tiles)
    features, skipped = [], []
    names = {f: f for f in ne}
    for f in osm["features"]:
        a3 = f["properties"]["A3"]
        code = table.get(a3)
        parts = shapely.get_parts(shapely.geometry.shape(f["geometry"]))
        near = np.unique(tile_tree.query(parts)[0])  # parts whose bounding box meets a corridor tile
        bits = []
        for part in parts[near]:
            for poly in map(shapely.make_valid, subdivide(part)):
                hits = tile_tree.query(poly, predicate="intersects")
                if hits.size:
                    bits.append(shapely.intersection(poly, shapely.union_all(tiles[hits])))
        if not bits:
            continue
        piece = shapely.make_valid(shapely.union_all(bits))
        piece = shapely.union_all([p for p in getattr(piece, "geoms", [piece])
                                   if isinstance(p, shapely.Polygon | shapely.MultiPolygon)])
        if piece.is_empty:
            continue
        if code is None:
            skipped.append(a3)
            continue
        gj = json.loads(shapely.to_geojson(shapely.set_precision(piece, 1e-4)))
        features.append({"type": "Feature", "properties": {"iso_a2": code, "name": names.get(code, code), "a3": a3},
                         "geometry": gj})
        print(f"  {a3}: {shapely.get_num_coordinates(piece)} vertices ({time.time() - t0:.0f} s)", file=sys.stderr)
    features.append({"type": "Feature", "properties": {"iso_a2": "", "name": "corridor", "corridor": True},
                     "geometry": json.loads(shapely.to_geojson(shapely.set_precision(corridor, 1e-4)))})
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as fh:
        json.dump({"type": "FeatureCollection", "features": features}, fh, separators=(",", ":"))
    print(f"wrote {len(features) - 1} country pieces + corridor in {time.time() - t0:.0f} s; "
          f"skipped (no ISO code): {', '.join(skipped) or 'none'}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:])
