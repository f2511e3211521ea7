"""The network a simulation runs, built from the scenario's ``[network]`` with the same parts as ``leonet routes``:
a preset or TLEs (SGP4), +Grid / listed / no ISLs, ground-link masks for users and for gateways
(``network.gsl``), and the ground segment. Per slot it gives the user terminals' candidate satellites."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from leonet.errors import LeonetInputError
from leonet.ground.segment import GroundSegment, build_segment, shipped_rows
from leonet.network.gsl import DEFAULT_MIN_ELEVATION_DEG, GslIndex, GslPolicy
from leonet.orbits.frames import geodetic_to_ecef_km
from leonet.orbits.propagate import positions_ecef_km
from leonet.orbits.tle import TleSet
from leonet.orbits.walker import Constellation
from leonet.scenario import Scenario
from leonet.scheduler.cells import cell_centres

STARLINK_LATEST = "starlink-latest"


def shipped_tle_path(name: str = STARLINK_LATEST) -> Path:
    """The shipped TLE snapshot (provenance in data/README.md)."""
    return Path(str(resources.files("leonet") / "data" / "tles" / f"{name}.tle"))


def resolve_source(scenario: Scenario) -> tuple[Constellation | TleSet, str]:
    """The scenario's constellation: a preset (epoch = the scenario start) or TLEs; and a one-line description."""
    from leonet.orbits.presets import preset
    from leonet.orbits.tle import read_tles

    net = scenario.network
    if net.tles is None:
        name = net.constellation or "starlink-gen1"
        return preset(name).with_epoch(scenario.start), f"preset {name}"
    if net.tles == STARLINK_LATEST:
        path = shipped_tle_path()
    else:
        path = Path(net.tles)
        if not path.is_absolute() and scenario.source_dir is not None:
            path = scenario.source_dir / path
    if not path.exists():
        raise LeonetInputError("TLE file not found", field="network.tles", value=str(net.tles))
    tles = read_tles(path)
    return tles, f"TLEs {path.name} ({tles.num_sats} satellites)"


def isl_edges_for(scenario: Scenario, source: Constellation | TleSet, t_unix_s: float) -> np.ndarray:
    """(E, 2) ISLs: +Grid (Walker shells directly; TLEs by planes grouped from their elements), none, or a file."""
    from leonet.network.isl import plus_grid, read_isl_file
    from leonet.network.planes import plus_grid_from_tles

    isls = scenario.network.isls
    if isls == "plus-grid":
        if isinstance(source, Constellation):
            return plus_grid(source, scenario.network.inter_plane_offset)
        return plus_grid_from_tles(source, t_unix_s, scenario.network.inter_plane_offset)
    if isls == "none":
        return np.zeros((0, 2), dtype=np.int64)
    path = Path(isls)
    if not path.is_absolute() and scenario.source_dir is not None:
        path = scenario.source_dir / path
    return read_isl_file(path, source.num_sats)


def gsl_policies(scenario: Scenario) -> tuple[GslPolicy, GslPolicy]:
    """(users, gateways): elevation mask or slant-range limit each; default 25° for both (FCC 21-48)."""
    net = scenario.network

    def one(el, rng):
        if rng is not None:
            return GslPolicy(max_range_km=rng)
        return GslPolicy(min_elevation_deg=DEFAULT_MIN_ELEVATION_DEG if el is None else el)

    return (one(net.min_elevation_deg, net.max_gsl_range_km),
            one(net.gateway_min_elevation_deg, net.gateway_max_gsl_range_km))


def ground_segment(scenario: Scenario) -> GroundSegment:
    """The shipped ground segment (unless ``ground = "none"``) minus the removed sites plus the scenario's own."""
    net = scenario.network
    gws: list[dict] = []
    pops: list[dict] = []
    poc: dict[str, str] = {}
    land: list[str] = []
    if net.ground == "starlink":
        rows = shipped_rows()
        gws = [dict(r) for r in rows["gateways"]
               if r["status"] == "operational" or net.include_planned_gateways]
        pops = [dict(r) for r in rows["pops"]]
        poc = {r["country"]: r["pop"] for r in rows["pop_of_country"]}
        land = [r["country"] for r in rows["landing"] if r["rule"] == "land_in_country"]
    for field_name, names, rows_ in (("remove_gateways", net.remove_gateways, gws), ("remove_pops", net.remove_pops,
                                                                                     pops)):
        have = {r["name"] for r in rows_}
        for n in names:
            if n not in have:
                raise LeonetInputError("no such site to remove", field=f"network.{field_name}", value=n)
    gws = [g for g in gws if g["name"] not in set(net.remove_gateways)]
    pops = [p for p in pops if p["name"] not in set(net.remove_pops)]
    removed = set(net.remove_pops)
    poc = {c: p for c, p in poc.items() if p not in removed}
    pops += [p.model_dump() for p in scenario.pops]
    gws += [g.model_dump() for g in scenario.gateways]
    poc.update(net.pop_of_country)
    return build_segment(gws, pops, poc, net.landing_rules, sorted(set(land) | set(net.land_in_country)))


@dataclass
class NetworkModel:
    """Everything per slot needs about the network (arrays; no database)."""

    source: Constellation | TleSet
    description: str
    isl_edges: np.ndarray
    user_policy: GslPolicy
    gateway_policy: GslPolicy
    ground: GroundSegment
    fibre_speed_fraction: float

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> NetworkModel:
        source, desc = resolve_source(scenario)
        users, gateways = gsl_policies(scenario)
        edges = isl_edges_for(scenario, source, scenario.start.timestamp())
        return cls(source, desc, edges, users, gateways, ground_segment(scenario),
                   scenario.network.fibre_speed_fraction)

    @property
    def num_sats(self) -> int:
        return self.source.num_sats

    @property
    def name(self) -> str:
        return getattr(self.source, "name", None) or self.description

    def positions_ecef_km(self, t_unix_s: np.ndarray) -> np.ndarray:
        """(T, N, 3) satellite positions at UNIX times (T,); NaN for satellites SGP4 cannot propagate."""
        return positions_ecef_km(self.source, np.atleast_1d(np.asarray(t_unix_s, dtype=np.float64)))

    def user_candidates(self, cells: np.ndarray, want: np.ndarray, sat_pos: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(terminal, satellite, elevation_deg) triples in view under the users' mask, evaluated at each wanted
        terminal's scheduler-cell centre; terminal-major and best elevation first within a terminal (as
        ``scheduler.slots.assign(presorted=True)`` expects). cells (M,) uint64, want (W,) terminal indices."""
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        if want.size == 0:
            return empty
        ucells, inv = np.unique(cells[want], return_inverse=True)
        clat, clon = cell_centres(ucells)
        index = GslIndex(geodetic_to_ecef_km(clat, clon, np.zeros(len(ucells))), clat, clon, self.user_policy)
        cc, cs, _, elev = index.pairs(sat_pos)
        if cc.size == 0:
            return empty
        # Per cell, best elevation first (stable: ties keep the index's order); then each terminal takes its cell's
        # list.
        o = np.lexsort((-elev, cc))
        cs, cc, elev = cs[o], cc[o], elev[o]
        cstart = np.searchsorted(cc, np.arange(len(ucells)))
        reps = np.bincount(cc, minlength=len(ucells))[inv]
        offs = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        k = np.repeat(cstart[inv], reps) + offs
        return np.repeat(want, reps), cs[k], elev[k]
