"""The ground segment: gateways (where satellites come down to the ground), PoPs (where traffic meets the
Internet), which PoP serves which country and where each country's traffic may land.

Shipped as package data (``leonet/data/ground/*.csv``, provenance in ``data/README.md``); a scenario uses them by
default and may add or remove its own sites.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from leonet.errors import LeonetInputError
from leonet.orbits.frames import geodetic_to_ecef_km, great_circle_km

GATEWAY_COLUMNS = ("name", "lat_deg", "lon_deg", "country", "status", "antennas", "source_url", "source_date")
POP_COLUMNS = ("name", "code", "lat_deg", "lon_deg", "country", "source_url", "source_date")
POP_OF_COUNTRY_COLUMNS = ("country", "pop", "source_url", "source_date")
LANDING_COLUMNS = ("country", "rule", "source_url", "source_date")


@dataclass(frozen=True)
class GroundSegment:
    """G gateways and P PoPs as arrays; ``gw_pop`` (G,) is each gateway's home PoP index (its backhaul when the
    terminal's country has no PoP rule); ``pop_of_country`` ISO alpha-2 → PoP index; ``landing`` ISO alpha-2 →
    indices of the gateways that country's traffic must land at; ``gw_antennas`` (G,) 0 = unknown (no limit)."""

    gw_names: tuple[str, ...]
    gw_lat_deg: np.ndarray
    gw_lon_deg: np.ndarray
    gw_alt_m: np.ndarray
    gw_country: tuple[str, ...]
    gw_pop: np.ndarray
    gw_antennas: np.ndarray
    pop_names: tuple[str, ...]
    pop_lat_deg: np.ndarray
    pop_lon_deg: np.ndarray
    pop_of_country: dict[str, int]
    landing: dict[str, np.ndarray]

    @property
    def gw_ecef_km(self) -> np.ndarray:
        return geodetic_to_ecef_km(self.gw_lat_deg, self.gw_lon_deg, self.gw_alt_m / 1e3)

    def fibre_km(self) -> np.ndarray:
        """Great-circle distance (G, P) from every gateway to every PoP (km)."""
        return great_circle_km(self.gw_lat_deg[:, None], self.gw_lon_deg[:, None], self.pop_lat_deg[None, :],
                               self.pop_lon_deg[None, :])


def _data_dir() -> Path:
    return Path(str(resources.files("leonet") / "data" / "ground"))


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict]:
    try:
        handle = path.open(newline="", encoding="utf-8")
    except FileNotFoundError:
        raise LeonetInputError("file not found", file=str(path)) from None
    with handle:
        reader = csv.DictReader(line for line in handle if not line.startswith("#"))
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise LeonetInputError(f"missing columns {', '.join(missing)}", file=str(path), field="header",
                                   value=",".join(reader.fieldnames or []))
        return list(reader)


def shipped_rows() -> dict[str, list[dict]]:
    """The shipped tables: gateways, pops, pop_of_country, landing (each a list of CSV rows)."""
    d = _data_dir()
    return {"gateways": _read_csv(d / "gateways.csv", GATEWAY_COLUMNS),
            "pops": _read_csv(d / "pops.csv", POP_COLUMNS),
            "pop_of_country": _read_csv(d / "pop_of_country.csv", POP_OF_COUNTRY_COLUMNS),
            "landing": _read_csv(d / "landing.csv", LANDING_COLUMNS)}


def build_segment(gateways: list[dict], pops: list[dict], pop_of_country: dict[str, str],
                  landing_rules: dict[str, list[str]], land_in_country: list[str]) -> GroundSegment:
    """A ground segment from rows: gateways {name, lat_deg, lon_deg, country, [alt_m], [pop], [antennas]}, pops
    {name, lat_deg, lon_deg}; ``pop_of_country`` country → PoP name; ``landing_rules`` country → gateway names;
    ``land_in_country`` countries whose traffic must land at gateways in that country. A gateway without a named
    PoP backhauls to its nearest PoP (great circle)."""
    if not pops:
        raise LeonetInputError("the ground segment has no PoP", field="pops", value=0)
    if not gateways:
        raise LeonetInputError("the ground segment has no gateway", field="gateways", value=0)
    pop_names = tuple(str(p["name"]) for p in pops)
    if len(set(pop_names)) != len(pop_names):
        dup = next(n for n in pop_names if pop_names.count(n) > 1)
        raise LeonetInputError("duplicate PoP name", field="pops.name", value=dup)
    gw_names = tuple(str(g["name"]) for g in gateways)
    if len(set(gw_names)) != len(gw_names):
        dup = next(n for n in gw_names if gw_names.count(n) > 1)
        raise LeonetInputError("duplicate gateway name", field="gateways.name", value=dup)
    plat = np.array([float(p["lat_deg"]) for p in pops])
    plon = np.array([float(p["lon_deg"]) for p in pops])
    glat = np.array([float(g["lat_deg"]) for g in gateways])
    glon = np.array([float(g["lon_deg"]) for g in gateways])
    nearest = great_circle_km(glat[:, None], glon[:, None], plat[None, :], plon[None, :]).argmin(axis=1)
    home = np.empty(len(gateways), dtype=np.int64)
    for k, g in enumerate(gateways):
        name = g.get("pop") or ""
        if name and name not in pop_names:
            raise LeonetInputError("not one of the PoPs", field=f"gateways[{k}].pop", value=name)
        home[k] = pop_names.index(name) if name else nearest[k]
    antennas = np.array([int(g.get("antennas") or 0) for g in gateways], dtype=np.int64)
    countries = tuple(str(g.get("country") or "") for g in gateways)
    poc: dict[str, int] = {}
    for country, pop in pop_of_country.items():
        if pop not in pop_names:
            raise LeonetInputError("not one of the PoPs", field=f"network.pop_of_country.{country}", value=pop)
        poc[country] = pop_names.index(pop)
    landing: dict[str, np.ndarray] = {}
    for country in land_in_country:
        idx = np.flatnonzero(np.array(countries) == country)
        landing[country] = idx
    for country, names in landing_rules.items():
        bad = [n for n in names if n not in gw_names]
        if bad:
            raise LeonetInputError("unknown gateway", field=f"network.landing_rules.{country}", value=bad[0])
        landing[country] = np.array([gw_names.index(n) for n in names], dtype=np.int64)
    return GroundSegment(gw_names, glat, glon, np.array([float(g.get("alt_m") or 0.0) for g in gateways]),
                         countries, home, antennas, pop_names, plat, plon, poc, landing)
