"""Build src/leonet/data/ground/gateways.csv from the public community dataset (data/README.md).

    python scripts/gen_ground.py GROUND_STATIONS_JSON OUT_DIR COMMIT

GROUND_STATIONS_JSON: juliensimon/starlink-viz data/ground-stations.json at COMMIT (gateways + PoPs, coordinates,
status); only its gateways are kept (PoPs: pops.csv, from clarkzjw/starlink-geoip-data, see data/README.md).
Country = Natural Earth 1:10m country of the coordinates (leonet's borders); where that falls at sea, the
country the source's name gives. Only rows from the sources; unknown fields stay empty.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np

from leonet.access.borders import country_of

GS_URL = "https://github.com/juliensimon/starlink-viz/blob/{commit}/data/ground-stations.json"
US_STATES = set("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
                "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU".split())
CA_PROVINCES = set("AB BC MB NB NL NS NT NU ON PE QC SK YT".split())
# Name suffixes of coastal sites whose coordinates fall just outside Natural Earth's coastline.
NAME_TAILS = {"DR": "DO", "Philippines": "PH", "Chile": "CL", "Norway": "NO"}


def name_country(name: str) -> str:
    """The ISO code a source name's suffix gives ('Redmond, WA' → US), '' when not obvious."""
    tail = name.rsplit(",", 1)[-1].strip()
    if tail in ("PR",):
        return "PR"
    if tail == "GU" or name == "Guam":
        return "GU"
    if tail in US_STATES:
        return "US"
    if tail in CA_PROVINCES:
        return "CA"
    return NAME_TAILS.get(tail, "")


def main(gs_path: str, out: str, gs_commit: str) -> None:
    gs = json.loads(Path(gs_path).read_text(encoding="utf-8"))
    date = gs["lastUpdated"][:10]
    stations = [s for s in gs["stations"] if s.get("type", "gateway") == "gateway"]
    cc = country_of(np.array([s["lat"] for s in stations], dtype=float),
                    np.array([s["lon"] for s in stations], dtype=float))
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "gateways.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["name", "lat_deg", "lon_deg", "country", "status", "antennas", "source_url", "source_date"])
        for s, c in zip(stations, cc, strict=True):
            w.writerow([s["name"], s["lat"], s["lon"], c or name_country(s["name"]), s["status"], "",
                        GS_URL.format(commit=gs_commit), date])


if __name__ == "__main__":
    main(*sys.argv[1:4])
