"""Generate a population from its spec: arrays, vectorised, deterministic from a seed (one generator per group,
seeded from the population seed and the group's position, so adding a group does not move the others).

Legitimate terminals are placed in their country with a density taken from the gazetteer (GeoNames places
weighted by their population, each terminal a few km around its place, more spread for bigger places) or
uniformly; diverted terminals along/inside their ``use_area``. Positions that land outside the requested surface
(the country, land or sea) are redrawn, a few rounds, all at once."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import shapely

from leonet.access.borders import borders
from leonet.errors import LeonetInputError
from leonet.gazetteer import gazetteer
from leonet.population.spec import PLANS, DivertedGroup, LegitGroup, Population

KM_PER_DEG = 111.195  # km per degree of latitude on the 6371.0088 km sphere
GPS_KINDS = ("true", "jammed", "spoofed")
SHIPPED_AREAS = ("front_line_illustrative", "occupied_side_illustrative")


@dataclass
class PopulationArrays:
    """M terminals. Ground truth (``diverted``, ``gps``, true positions) is for the simulation and for scoring;
    the control plane only ever sees the records made from it (population.records)."""

    serial: np.ndarray  # (M,) str
    group: np.ndarray  # (M,) int index into group_names
    diverted: np.ndarray  # (M,) bool  — ground truth
    lat0_deg: np.ndarray  # (M,) start
    lon0_deg: np.ndarray
    lat1_deg: np.ndarray  # (M,) far end of the back-and-forth track (= start when fixed)
    lon1_deg: np.ndarray
    speed_kmh: np.ndarray  # (M,) 0 fixed
    plan: np.ndarray  # (M,) int index into PLANS
    gps: np.ndarray  # (M,) int8 index into GPS_KINDS
    spoof_lat_deg: np.ndarray  # (M,) NaN unless spoofed
    spoof_lon_deg: np.ndarray
    account_country: np.ndarray  # (M,) <U2
    route: np.ndarray  # (M,) int index into routes, −1 legit
    account_key: np.ndarray  # (M,) int: terminals sharing a key share an account
    active_from_s: np.ndarray  # (M,) activation: seconds after the start (0: active from the start)
    group_names: list[str] = field(default_factory=list)
    group_country: list[str] = field(default_factory=list)  # legit: its country ("" bbox); diverted: ""
    routes: list[dict] = field(default_factory=list)  # chain, steps, account_country, group

    def __len__(self) -> int:
        return int(self.serial.size)


def _rng(seed: int, k: int) -> np.random.Generator:
    return np.random.default_rng([seed, k])


def _offset(lat, lon, north_km, east_km):
    lat2 = lat + north_km / KM_PER_DEG
    lon2 = lon + east_km / (KM_PER_DEG * np.maximum(np.cos(np.deg2rad(lat)), 0.05))
    return np.clip(lat2, -89.9, 89.9), (lon2 + 180.0) % 360.0 - 180.0


def _country_box(code: str) -> tuple[float, float, float, float]:
    b = borders()
    idx = np.flatnonzero(b.codes == code)
    if idx.size == 0:
        raise LeonetInputError("unknown country (not in the shipped borders)", field="population.legit.country",
                               value=code)
    parts = b.parts[b.part_country == idx[0]]
    x0, y0, x1, y1 = shapely.total_bounds(parts)
    return float(x0), float(y0), float(x1), float(y1)


def _accept(lat, lon, group: LegitGroup, exclude: shapely.Geometry | None = None) -> np.ndarray:
    b = borders()
    where = b.codes[b.index_batch(lat, lon)]
    ok = np.ones(lat.shape, dtype=bool) if exclude is None else ~shapely.contains_xy(exclude, lon, lat)
    if group.country is not None:
        return ok & (where == group.country)
    if group.surface == "sea":
        return ok & (where == "")
    if group.surface == "land":
        return ok & (where != "")
    return ok


def _place_legit(group: LegitGroup, n: int, rng, base_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    lat, lon = np.zeros(n), np.zeros(n)
    todo = np.arange(n)
    g = gazetteer()
    places = g.in_countries([group.country]) if group.density == "places" else np.zeros(0, int)
    if group.density == "places" and places.size == 0:
        raise LeonetInputError("no gazetteer place in this country; use density = 'uniform'",
                               field=f"population.legit.{group.name}.country", value=group.country)
    box = group.bbox if group.bbox is not None else _country_box(group.country)
    exclude = None if group.exclude_area is None else load_use_area(group.exclude_area, base_dir)
    if exclude is not None:
        shapely.prepare(exclude)
    for _ in range(12):
        k = todo.size
        if group.density == "places":
            w = g.population[places].astype(float)
            pick = places[rng.choice(places.size, size=k, p=w / w.sum())]
            sigma = np.maximum(2.0, np.sqrt(g.population[pick]) / 100.0)  # km: ~17 km for a 3-million city
            la, lo = _offset(g.lat_deg[pick], g.lon_deg[pick], rng.normal(0, 1, k) * sigma,
                             rng.normal(0, 1, k) * sigma)
        else:
            la = np.rad2deg(np.arcsin(rng.uniform(np.sin(np.deg2rad(box[1])), np.sin(np.deg2rad(box[3])), k)))
            lo = rng.uniform(box[0], box[2], k)
        ok = _accept(la, lo, group, exclude)
        lat[todo[ok]], lon[todo[ok]] = la[ok], lo[ok]
        todo = todo[~ok]
        if todo.size == 0:
            return lat, lon
    raise LeonetInputError(f"could not place {todo.size} terminals on the requested surface",
                           field=f"population.legit.{group.name}", value=group.surface)


def load_use_area(name: str, base_dir: Path | None) -> shapely.Geometry:
    """A shipped area by name, or a GeoJSON file (geometry, Feature or FeatureCollection) relative to base_dir."""
    if name in SHIPPED_AREAS:
        text = (resources.files("leonet") / "data" / "population" / f"{name}.geojson").read_text(encoding="utf-8")
    else:
        path = Path(name) if base_dir is None or Path(name).is_absolute() else base_dir / name
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise LeonetInputError("GeoJSON file not found", field="population: use_area / exclude_area",
                                   value=str(path)) from None
    data = json.loads(text)
    feats = data["features"] if data.get("type") == "FeatureCollection" else [data]
    geoms = [shapely.geometry.shape(f.get("geometry", f)) for f in feats]
    geom = shapely.union_all(geoms)
    if geom.is_empty or geom.geom_type not in ("LineString", "MultiLineString", "Polygon", "MultiPolygon"):
        raise LeonetInputError("must be a LineString or Polygon GeoJSON", field="population.diverted.use_area",
                               value=name)
    return geom


def _place_diverted(group: DivertedGroup, area: shapely.Geometry, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    if area.geom_type in ("Polygon", "MultiPolygon"):
        x0, y0, x1, y1 = area.bounds
        lat, lon = np.zeros(n), np.zeros(n)
        todo = np.arange(n)
        while todo.size:
            la, lo = rng.uniform(y0, y1, todo.size), rng.uniform(x0, x1, todo.size)
            ok = shapely.contains_xy(area, lo, la)
            lat[todo[ok]], lon[todo[ok]] = la[ok], lo[ok]
            todo = todo[~ok]
        return lat, lon
    lines = list(getattr(area, "geoms", [area]))
    segs = np.concatenate([np.c_[np.asarray(ln.coords)[:-1, :2], np.asarray(ln.coords)[1:, :2]] for ln in lines])
    mid_lat = np.deg2rad((segs[:, 1] + segs[:, 3]) / 2)
    dx = (segs[:, 2] - segs[:, 0]) * KM_PER_DEG * np.cos(mid_lat)
    dy = (segs[:, 3] - segs[:, 1]) * KM_PER_DEG
    length = np.hypot(dx, dy)
    s = rng.choice(len(segs), size=n, p=length / length.sum())
    f = rng.uniform(0, 1, n)
    lon = segs[s, 0] + f * (segs[s, 2] - segs[s, 0])
    lat = segs[s, 1] + f * (segs[s, 3] - segs[s, 1])
    # Right-hand normal of the direction of travel (east of a line drawn south to north).
    nx, ny = dy[s] / length[s], -dx[s] / length[s]
    sign = {"right": np.ones(n), "left": -np.ones(n), "both": rng.choice([-1.0, 1.0], n)}[group.side]
    d = rng.uniform(*group.band_km, n) * sign
    return _offset(lat, lon, ny * d, nx * d)


def _motion(group, lat, lon, n, rng, duration_s: float):
    moving = rng.uniform(0, 1, n) < group.moving_fraction
    speed = np.where(moving, rng.uniform(*group.speed_kmh, n), 0.0)
    heading = np.deg2rad(rng.uniform(0, 360, n))
    leg_km = speed * min(duration_s, 3600.0) / 3600.0 / 2.0  # out and back within the hour
    lat1, lon1 = _offset(lat, lon, leg_km * np.cos(heading), leg_km * np.sin(heading))
    return np.where(moving, lat1, lat), np.where(moving, lon1, lon), speed


def _activation(group, n: int, seed: int, key: int, duration_s: float) -> np.ndarray:
    """Activation times (n,) s: 0 for the share active at the start, else uniform over ``over_s`` (own generator:
    changing a group's activation moves none of its other draws)."""
    rng = np.random.default_rng([seed, key, 7])
    later = rng.uniform(0, 1, n) >= group.activation.at_start
    return np.where(later, rng.uniform(0, group.activation.over_s or duration_s, n), 0.0)


def _gps(group, n, rng):
    gps = rng.choice(3, size=n, p=group.gps.shares()).astype(np.int8)
    slat, slon = np.full(n, np.nan), np.full(n, np.nan)
    sp = np.flatnonzero(gps == 2)
    if sp.size:
        g = gazetteer()
        places = g.in_countries([group.spoof_to])
        if places.size == 0:
            raise LeonetInputError("no gazetteer place in this country", field=f"population.{group.name}.spoof_to",
                                   value=group.spoof_to)
        w = g.population[places].astype(float)
        pick = places[rng.choice(places.size, size=sp.size, p=w / w.sum())]
        slat[sp], slon[sp] = _offset(g.lat_deg[pick], g.lon_deg[pick], rng.normal(0, 3, sp.size),
                                     rng.normal(0, 3, sp.size))
    return gps, slat, slon


def generate(spec: Population, seed: int, duration_s: float = 3600.0, base_dir: Path | None = None
             ) -> PopulationArrays:
    """The population's terminals (see ``PopulationArrays``); ``base_dir`` resolves relative GeoJSON paths."""
    seed = spec.seed if spec.seed is not None else seed
    parts: list[dict] = []
    names, countries, routes = [], [], []
    for k, g in enumerate(spec.legit):
        n = int(round(g.count * spec.scale))
        rng = _rng(seed, k)
        lat, lon = _place_legit(g, n, rng, base_dir)
        lat1, lon1, speed = _motion(g, lat, lon, n, rng, duration_s)
        share = np.array([g.plans.get(p, 0.0) for p in PLANS])
        plan = rng.choice(len(PLANS), size=n, p=share / share.sum())
        speed = np.where(plan == PLANS.index("residential"), 0.0, speed)  # a home dish does not drive
        lat1, lon1 = np.where(speed > 0, lat1, lat), np.where(speed > 0, lon1, lon)
        gps, slat, slon = _gps(g, n, rng)
        parts.append(dict(serial=np.zeros(n, dtype="<U11"), group=np.full(n, len(names)), diverted=np.zeros(n, bool),
                          lat0_deg=lat, lon0_deg=lon, lat1_deg=lat1, lon1_deg=lon1, speed_kmh=speed, plan=plan,
                          gps=gps, spoof_lat_deg=slat, spoof_lon_deg=slon,
                          account_country=np.full(n, g.home, dtype="<U2"), route=np.full(n, -1),
                          account_key=np.arange(n), active_from_s=_activation(g, n, seed, k, duration_s)))
        names.append(g.name)
        countries.append(g.country or "")
    for j, g in enumerate(spec.diverted):
        n = int(round(g.count * spec.scale))
        rng = _rng(seed, 1000 + j)
        lat, lon = _place_diverted(g, load_use_area(g.use_area, base_dir), n, rng)
        lat1, lon1, speed = _motion(g, lat, lon, n, rng, duration_s)
        gps, slat, slon = _gps(g, n, rng)
        share = np.array([r.share for r in g.routes])
        r_local = rng.choice(len(g.routes), size=n, p=share / share.sum())
        # Kits on one route are bought in lots that share one account (e.g. pre-activated accounts).
        kpa = np.array([r.kits_per_account for r in g.routes])[r_local]
        order = np.argsort(r_local, kind="stable")
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n) - np.searchsorted(r_local[order], r_local[order])
        key = r_local * 10_000_000 + rank // kpa
        _, account_key = np.unique(key, return_inverse=True)
        parts.append(dict(serial=np.zeros(n, dtype="<U11"), group=np.full(n, len(names)), diverted=np.ones(n, bool),
                          lat0_deg=lat, lon0_deg=lon, lat1_deg=lat1, lon1_deg=lon1, speed_kmh=speed,
                          plan=np.full(n, PLANS.index(g.plan)), gps=gps, spoof_lat_deg=slat, spoof_lon_deg=slon,
                          account_country=np.array([r.account_country for r in g.routes], dtype="<U2")[r_local],
                          route=r_local + len(routes), account_key=account_key,
                          active_from_s=_activation(g, n, seed, 1000 + j, duration_s)))
        routes += [{"chain": list(r.chain), "steps": r.steps, "account_country": r.account_country,
                    "group": g.name} for r in g.routes]
        names.append(g.name)
        countries.append("")
    if not parts:
        return PopulationArrays(*(np.zeros(0) for _ in range(16)), group_names=[], group_country=[], routes=[])
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    # Account keys unique across groups.
    offsets = np.cumsum([0] + [int(p["account_key"].max()) + 1 if p["account_key"].size else 0 for p in parts])
    cat["account_key"] = np.concatenate([p["account_key"] + offsets[i] for i, p in enumerate(parts)])
    # Serials say nothing about a terminal's group: numbered in a seeded random order over the whole population.
    order = _rng(seed, 999_999).permutation(cat["group"].size)
    cat["serial"] = np.char.add("ut-", np.char.zfill(order.astype(str), 8))
    return PopulationArrays(**cat, group_names=names, group_country=countries, routes=routes)
