"""Named ground sites (ground stations, gateways, PoPs, terminals) as arrays, read from CSV.

CSV header ``name,lat_deg,lon_deg,alt_m``; errors name the file, line, field and value.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from leonet.errors import LeonetInputError
from leonet.orbits.frames import geodetic_to_ecef_km

SITE_COLUMNS = ("name", "lat_deg", "lon_deg", "alt_m")


@dataclass(frozen=True)
class Sites:
    """G named sites: ``names`` (G,), ``lat_deg``, ``lon_deg``, ``alt_m`` arrays (G,)."""

    names: tuple[str, ...]
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_m: np.ndarray

    def __post_init__(self) -> None:
        bad_lat = np.flatnonzero(~(np.abs(self.lat_deg) <= 90))
        if bad_lat.size:
            raise LeonetInputError("latitude must be within [-90, 90]", field="lat_deg",
                                   value=float(self.lat_deg[bad_lat[0]]))
        bad_lon = np.flatnonzero(~(np.abs(self.lon_deg) <= 180))
        if bad_lon.size:
            raise LeonetInputError("longitude must be within [-180, 180]", field="lon_deg",
                                   value=float(self.lon_deg[bad_lon[0]]))

    def __len__(self) -> int:
        return len(self.names)

    @property
    def ecef_km(self) -> np.ndarray:
        """ECEF positions (G, 3) km."""
        return geodetic_to_ecef_km(self.lat_deg, self.lon_deg, self.alt_m / 1000.0)

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise LeonetInputError("unknown ground station", field="name", value=name) from None

    @classmethod
    def from_lists(cls, names, lat_deg, lon_deg, alt_m=None) -> Sites:
        lat = np.asarray(lat_deg, dtype=np.float64)
        alt = np.zeros_like(lat) if alt_m is None else np.asarray(alt_m, dtype=np.float64)
        return cls(tuple(names), lat, np.asarray(lon_deg, dtype=np.float64), alt)


def read_sites_csv(path: str | Path) -> Sites:
    """Read ``name,lat_deg,lon_deg,alt_m`` (alt_m optional, default 0); names must be unique."""
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except FileNotFoundError:
        raise LeonetInputError("file not found", file=str(path)) from None
    names, lat, lon, alt = [], [], [], []
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in SITE_COLUMNS[:3] if c not in (reader.fieldnames or [])]
        if missing:
            raise LeonetInputError(f"header must be {','.join(SITE_COLUMNS)}", file=str(path), line=1,
                                   field=missing[0], value=",".join(reader.fieldnames or []))
        for row in reader:
            line = reader.line_num
            name = (row.get("name") or "").strip()
            if not name:
                raise LeonetInputError("empty name", file=str(path), line=line, field="name", value=row.get("name"))
            if name in names:
                raise LeonetInputError("duplicate name", file=str(path), line=line, field="name", value=name)
            values = []
            for field, limit in (("lat_deg", 90.0), ("lon_deg", 180.0), ("alt_m", None)):
                text = (row.get(field) or "").strip()
                if field == "alt_m" and not text:
                    text = "0"
                try:
                    value = float(text)
                except ValueError:
                    raise LeonetInputError("not a number", file=str(path), line=line, field=field,
                                           value=text) from None
                if not np.isfinite(value) or (limit is not None and abs(value) > limit):
                    raise LeonetInputError(f"out of range [-{limit}, {limit}]" if limit else "not finite",
                                           file=str(path), line=line, field=field, value=text)
                values.append(value)
            names.append(name)
            lat.append(values[0])
            lon.append(values[1])
            alt.append(values[2])
    if not names:
        raise LeonetInputError("no sites in file", file=str(path))
    return Sites.from_lists(names, lat, lon, alt)
