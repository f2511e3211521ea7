"""The network a simulation runs, built from the scenario's ``[network]`` with the same parts as ``leonet routes``:
a preset or TLEs (SGP4), +Grid / listed / no ISLs, ground-link masks for users and for gateways
(``network.gsl``), and the ground segment. Per slot it gives the user terminals' candidate satellites."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leonet.errors import LeonetInputError
from leonet.ground.segment import GroundSegment, build_segment, shipped_rows
from leonet.network.gsl import DEFAULT_MIN_ELEVATION_DEG, GslIndex, GslPolicy
from leonet.network.setup import isl_edges, resolve_tles
from leonet.orbits.frames import geodetic_to_ecef_km
from leonet.orbits.propagate import positions_ecef_km
from leonet.orbits.tle import TleSet
from leonet.orbits.walker import Constellation
from leonet.scenario import Scenario
from leonet.scheduler.cells import cell_centres


def resolve_source(scenario: Scenario) -> tuple[Constellation | TleSet, str]:
    """The scenario's constellation: a preset (epoch = the scenario start) or TLEs; and a one-line description."""
    from leonet.orbits.presets import preset

    net = scenario.network
    if net.tles is None:
        name = net.constellation or "starlink-gen1"
        return preset(name).with_epoch(scenario.start), f"preset {name}"
    tles = resolve_tles(net.tles, scenario.source_dir, field="network.tles")
    return tles, f"TLEs {net.tles} ({tles.num_sats} satellites)"


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
        net = scenario.network
        edges = isl_edges(net.isls, source, scenario.start.timestamp(), net.inter_plane_offset, scenario.source_dir)
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

    def user_candidates(self, cells: np.ndarray, want: np.ndarray, sat_pos: np.ndarray,
                        cell_lat_deg: np.ndarray | None = None, cell_lon_deg: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(terminal, satellite, elevation_deg) triples in view under the users' mask, evaluated at each wanted
        terminal's scheduler-cell centre; terminal-major and best elevation first within a terminal (as
        ``scheduler.slots.assign(presorted=True)`` expects). cells (M,) uint64, want (W,) terminal indices;
        cell_lat_deg/cell_lon_deg (M,) each terminal's cell centre when known (else computed here)."""
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        if want.size == 0:
            return empty
        ucells, first, inv = np.unique(cells[want], return_index=True, return_inverse=True)
        cache = getattr(self, "_cell_index", None)
        if cache is not None and np.array_equal(cache[0], ucells):
            index = cache[1]  # same cells as last slot: reuse their k-d tree
        else:
            if cell_lat_deg is None or cell_lon_deg is None:
                clat, clon = cell_centres(ucells)
            else:
                clat, clon = cell_lat_deg[want[first]], cell_lon_deg[want[first]]
            index = GslIndex(geodetic_to_ecef_km(clat, clon, np.zeros(len(ucells))), clat, clon, self.user_policy)
            self._cell_index = (ucells, index)
        cc, cs, _, elev = index.pairs(sat_pos)
        if cc.size == 0:
            return empty
        # Per cell, best elevation first; then each terminal takes its cell's list. One stable argsort of a combined
        # key (cell, then 90° − elevation in [0, 90]) instead of a multi-key lexsort; ties keep the search's order.
        o = np.argsort(cc * 128.0 + (90.0 - elev), kind="stable")
        cs, cc, elev = cs[o], cc[o], elev[o]
        cstart = np.searchsorted(cc, np.arange(len(ucells)))
        reps = np.bincount(cc, minlength=len(ucells))[inv]
        offs = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        k = np.repeat(cstart[inv], reps) + offs
        return np.repeat(want, reps), cs[k], elev[k]
