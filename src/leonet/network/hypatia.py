"""Hypatia's satellite-network-state files from leonet's network, so Hypatia's ns-3 module can run leonet's state.

Hypatia (Kassing et al., IMC 2020, https://github.com/snkas/hypatia, MIT) reads a directory with ``tles.txt``,
``isls.txt``, ``ground_stations.txt``, ``description.txt`` and, per time step ``t`` (ns since the epoch),
``fstate_<t>.txt`` and ``gsl_if_bandwidth_<t>.txt``. The formats written here are those of its satgenpy generator
with the "free one, only over ISLs" algorithm (one GSL interface per node, ground stations never relay):

- node ids: satellites 0..N-1, ground stations N..N+G-1;
- interfaces of a satellite: its ISLs numbered in the order of ``isls.txt`` (each link takes the next free index
  at both ends), then its one GSL interface (index = its ISL count); a ground station has interface 0;
- ``fstate_<t>.txt`` lines ``node,dst_gs_node,next_hop,my_if,next_if`` for every satellite and every ground
  station towards every ground station (``-1,-1,-1`` when unreachable); after the first step only the lines that
  changed. A ground station's next hop is the satellite in range minimising uplink + distance to the destination
  (ties: the lower satellite id, as satgenpy's sorted tuples);
- ``gsl_if_bandwidth_<t>.txt`` lines ``node,num_isls,aggregate_bandwidth`` at the first step, empty afterwards.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from leonet.errors import LeonetInputError
from leonet.ground.sites import Sites
from leonet.orbits.tle import TleSet
from leonet.orbits.walker import Constellation

WGS72_A_M = 6378135.0  # WGS72 ellipsoid, as satgenpy's geodetic2cartesian (its source: GeographicLib)
WGS72_F = 1.0 / 298.26


def geodetic_to_cartesian_wgs72_m(lat_deg: float, lon_deg: float, ele_m: float) -> tuple[float, float, float]:
    """Cartesian (x, y, z) metres on the WGS72 ellipsoid, the convention of Hypatia's ground_stations.txt."""
    e2 = 2.0 * WGS72_F - WGS72_F**2
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    v = WGS72_A_M / math.sqrt(1.0 - e2 * math.sin(lat) ** 2)
    x = (v + ele_m) * math.cos(lat) * math.cos(lon)
    y = (v + ele_m) * math.cos(lat) * math.sin(lon)
    z = (v * (1.0 - e2) + ele_m) * math.sin(lat)
    return x, y, z


class HypatiaStateWriter:
    """Writes the static files once and one fstate/bandwidth pair per step (``write_step``)."""

    def __init__(self, out_dir: str | Path, source: Constellation | TleSet, sites: Sites, isl_edges: np.ndarray,
                 max_gsl_length_m: float, max_isl_length_m: float, gsl_bandwidth: float = 1.0,
                 start: datetime | None = None):
        self.dir = Path(out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.n, self.g = source.num_sats, len(sites)
        self.edges = np.asarray(isl_edges, dtype=np.int64)
        self.bandwidth = float(gsl_bandwidth)
        # interface numbering as satgenpy's generate_dynamic_state_at: each ISL, in file order, takes the next free
        # interface index at both ends, i.e. an endpoint's index is how often that node appeared before it
        flat = self.edges.ravel()
        order = np.argsort(flat, kind="stable")
        ranks = np.empty_like(flat)
        first = np.searchsorted(flat[order], flat[order], side="left")
        ranks[order] = np.arange(flat.size) - first
        self.num_isls = np.bincount(flat, minlength=self.n).astype(np.int64)
        a, b = self.edges[:, 0], self.edges[:, 1]
        keys = np.concatenate([a * self.n + b, b * self.n + a])
        self._if_order = np.argsort(keys)
        self._if_keys = keys[self._if_order]
        self._if_vals = np.concatenate([ranks[0::2], ranks[1::2]])[self._if_order]
        self.prev: np.ndarray | None = None
        self._write_static(source, sites, max_gsl_length_m, max_isl_length_m, start)

    def _write_static(self, source, sites: Sites, max_gsl_m: float, max_isl_m: float,
                      start: datetime | None) -> None:
        (self.dir / "tles.txt").write_text(tles_text(source, start), encoding="utf-8")
        (self.dir / "isls.txt").write_text("".join(f"{a} {b}\n" for a, b in self.edges.tolist()), encoding="utf-8")
        lines = []
        for gid, (name, lat, lon, alt) in enumerate(zip(sites.names, sites.lat_deg, sites.lon_deg, sites.alt_m,
                                                         strict=True)):
            x, y, z = geodetic_to_cartesian_wgs72_m(float(lat), float(lon), float(alt))
            lines.append(f"{gid},{name},{float(lat)!r},{float(lon)!r},{float(alt)!r},{x!r},{y!r},{z!r}\n")
        (self.dir / "ground_stations.txt").write_text("".join(lines), encoding="utf-8")
        (self.dir / "description.txt").write_text(f"max_gsl_length_m={max_gsl_m:.10f}\n"
                                                  f"max_isl_length_m={max_isl_m:.10f}\n", encoding="utf-8")

    def interface(self, node: np.ndarray, neighbour: np.ndarray) -> np.ndarray:
        """Interface index at ``node`` of its ISL to ``neighbour`` (arrays of satellite ids, every pair an ISL)."""
        keys = node * self.n + neighbour
        at = np.minimum(np.searchsorted(self._if_keys, keys), max(len(self._if_keys) - 1, 0))
        if keys.size and not np.array_equal(self._if_keys[at], keys):
            raise ValueError("a next hop that is not an ISL of the node")
        return self._if_vals[at]

    def state(self, dist_km: np.ndarray, next_hop: np.ndarray, gsl_mask: np.ndarray,
              gsl_range_km: np.ndarray) -> np.ndarray:
        """(M, 5) int64 rows ``node,dst_gs_node,next_hop,my_if,next_if``: every satellite towards every ground station
        (destination-major), then every ground station towards every other one (source-major)."""
        n, g = self.n, self.g
        hop = np.asarray(next_hop, dtype=np.int64)
        sat = np.broadcast_to(np.arange(n, dtype=np.int64), (g, n))
        dst = np.broadcast_to((n + np.arange(g, dtype=np.int64))[:, None], (g, n))
        nxt, my_if, next_if = np.full((3, g, n), -1, dtype=np.int64)
        down = hop >= n  # the last hop: down to the destination over the satellite's one GSL interface
        nxt[down], my_if[down], next_if[down] = dst[down], self.num_isls[sat[down]], 0
        isl = (hop >= 0) & ~down
        nxt[isl] = hop[isl]
        my_if[isl], next_if[isl] = self.interface(sat[isl], hop[isl]), self.interface(hop[isl], sat[isl])
        sats = np.stack([sat.ravel(), dst.ravel(), nxt.ravel(), my_if.ravel(), next_if.ravel()], axis=1)
        # A ground station sends to the satellite in range minimising uplink + its distance to the destination
        # (ties: the lowest satellite id, as satgenpy's sorted tuples; argmin takes the first minimum).
        # Only the satellites in range of each source count: pad them to a (G, K) table (ascending ids per row).
        src_r, sat_c = np.nonzero(gsl_mask)
        slot = np.arange(src_r.size) - np.searchsorted(src_r, src_r)
        k = max(int(slot.max()) + 1 if slot.size else 1, 1)
        sat_pad, up_km = np.zeros((g, k), dtype=np.int64), np.full((g, k), np.inf)
        sat_pad[src_r, slot], up_km[src_r, slot] = sat_c, gsl_range_km[src_r, sat_c]
        total = up_km[:, None, :] + dist_km[:, sat_pad].transpose(1, 0, 2)  # (src, dst, K)
        src_i, dst_i = np.nonzero(~np.eye(g, dtype=bool))
        first = np.argmin(total[src_i, dst_i], axis=1)
        best = sat_pad[src_i, first]
        ok = np.isfinite(total[src_i, dst_i, first])
        ground = np.stack([n + src_i, n + dst_i, np.where(ok, best, -1), np.where(ok, 0, -1),
                           np.where(ok, self.num_isls[best], -1)], axis=1)
        return np.concatenate([sats, ground]).astype(np.int64)

    def write_step(self, t_ns: int, dist_km: np.ndarray, next_hop: np.ndarray, gsl_mask: np.ndarray,
                   gsl_range_km: np.ndarray) -> None:
        """One step from ``routing.distances_to_ground`` output: dist_km and next_hop (G, N); GSL mask/range (G, N).
        The first step's fstate holds every entry, later ones the entries that changed (as satgenpy)."""
        n, g = self.n, self.g
        state = self.state(dist_km, next_hop, gsl_mask, gsl_range_km)
        rows = state if self.prev is None else state[np.any(state != self.prev, axis=1)]
        _write_int_rows(self.dir / f"fstate_{t_ns}.txt", rows)
        with open(self.dir / f"gsl_if_bandwidth_{t_ns}.txt", "w", encoding="utf-8") as f:
            if self.prev is None:
                for node in range(n):
                    f.write(f"{node},{int(self.num_isls[node])},{self.bandwidth:f}\n")
                for node in range(n, n + g):
                    f.write(f"{node},0,{self.bandwidth:f}\n")
        self.prev = state


def _write_int_rows(path: Path, rows: np.ndarray) -> None:
    """Comma-separated integer rows, one a line, no header (Arrow's C++ CSV writer: no Python loop per line)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.table({str(k): rows[:, k] for k in range(rows.shape[1])})
    pacsv.write_csv(table, str(path), pacsv.WriteOptions(include_header=False, quoting_style="none"))


def tles_text(source: Constellation | TleSet, start: datetime | None = None) -> str:
    """Hypatia's tles.txt: a header 'orbits satellites-per-orbit', then 3-line TLEs named '<name> <id>', all at one
    epoch: the run's start. Hypatia reads nothing else (satgenpy refuses TLEs of different epochs, and its ns-3
    module flies every satellite from its TLE's epoch at simulation time 0), so TLEs at other epochs are re-epoched
    (``reepoch_tles``)."""
    if isinstance(source, Constellation):
        from leonet.orbits.export import constellation_tles

        lines = constellation_tles(source).splitlines()
        pairs = [(lines[i + 1], lines[i + 2]) for i in range(0, len(lines), 3)]
        header = (f"{source.shells[0].planes} {source.shells[0].sats_per_plane}" if len(source.shells) == 1
                  else f"1 {source.num_sats}")
        names = [f"{source.name}" for _ in pairs]
    else:
        names = [name.split()[0] if name.split() else "sat" for name in source.names]
        header = f"1 {source.num_sats}"
        if start is None and source.common_epoch() is not None or start is not None and _as_given(source, start):
            pairs = [(r[1], r[2]) for r in source.records]
        else:
            if start is None:
                raise LeonetInputError("Hypatia's tles.txt needs one epoch for all satellites: give --start",
                                       field="hypatia-out", value=source.source)
            pairs = reepoch_tles(source, start)
    body = "".join(f"{name} {sid}\n{l1}\n{l2}\n" for sid, (name, (l1, l2)) in enumerate(zip(names, pairs,
                                                                                          strict=True)))
    return header + "\n" + body


def _as_given(source: TleSet, start: datetime) -> bool:
    """The input TLEs can go into tles.txt unchanged: TLE lines (not OMM), all at ``start`` (within 1 ms)."""
    common = source.common_epoch()
    return (common is not None and abs((common - start).total_seconds()) < 1e-3
            and all(r[0] == "tle" for r in source.records))


def reepoch_tles(source: TleSet, epoch: datetime) -> list[tuple[str, str]]:
    """TLE line pairs at ``epoch`` for every satellite: SGP4's own mean elements at that instant (python-sgp4 keeps
    them after a propagation: ``im, Om, em, om, mm, nm``, drag included), B* kept, the mean motion written back in
    Kozai's convention. Measured on the shipped CelesTrak snapshot (epochs up to 0.8 d from the new one): 4 m median,
    15 m max apart at the new epoch (the TLE format's precision), 8 m median and 0.12 km p99 over 6 h. A satellite
    SGP4 cannot take to ``epoch`` (decayed) keeps its own elements: leonet routes nothing over it."""
    from sgp4.api import jday

    from leonet.orbits.export import kozai_mean_motion_rev_day
    from leonet.orbits.tle import format_tle

    t = epoch.astimezone(UTC)
    jd, fr = jday(t.year, t.month, t.day, t.hour, t.minute, t.second + t.microsecond * 1e-6)
    pairs = []
    for sat in source.satrecs:
        err, _, _ = sat.sgp4(jd, fr)
        if err == 0:
            inc, raan, ecc, argp, anom, n_rad_min = sat.im, sat.Om, sat.em, sat.om, sat.mm, sat.nm
        else:
            inc, raan, ecc, argp, anom, n_rad_min = (sat.inclo, sat.nodeo, sat.ecco, sat.argpo, sat.mo,
                                                     sat.no_unkozai)
        n_rev_day = kozai_mean_motion_rev_day(n_rad_min / 60.0, math.degrees(inc))
        lines = format_tle("x", int(sat.satnum) % 100_000, t, math.degrees(inc), math.degrees(raan),
                           min(max(ecc, 0.0), 0.9999999), math.degrees(argp), math.degrees(anom), n_rev_day,
                           sat.bstar).splitlines()
        pairs.append((lines[1], lines[2]))
    return pairs


def check_names(sites: Sites) -> None:
    """Ground-station names go into Hypatia's comma-separated ground_stations.txt (its ns-3 reader splits each line
    into exactly 8 fields): refuse a name holding a comma or a line break before any work is done."""
    for name in sites.names:
        if "," in name or "\n" in name or "\r" in name:
            raise LeonetInputError("a ground-station name with a comma or line break cannot go into Hypatia's "
                                   "ground_stations.txt; rename it in the ground-station file", field="name",
                                   value=name)


def write_hypatia_state(job, out_dir: str | Path, chunk_steps: int = 50, progress=None) -> tuple[int, str]:
    """Hypatia's state for every step of a ``RouteJob`` (leonet's positions, links and shortest paths). Returns the
    number of steps written and a note for the user ('' or how far re-epoched TLEs stray from the originals);
    ``progress(n)`` after every chunk of ``n`` steps."""
    from leonet.network.gsl import GslIndex, max_slant_range_km
    from leonet.network.isl import ATMOSPHERE_KM
    from leonet.network.latency import isl_keep_mask
    from leonet.network.routing import distances_to_ground
    from leonet.orbits.propagate import positions_ecef_km

    sites = job.sites
    check_names(sites)
    first = positions_ecef_km(job.source, job.grid.t_unix_s[:1])[0]
    r_max_km = float(np.nanmax(np.linalg.norm(first, axis=1)))
    site_r_km = float(np.linalg.norm(sites.ecef_km, axis=1).min())
    max_gsl_m = 1000.0 * max_slant_range_km(job.gsl, r_max_km, site_r_km)
    # satgenpy's paper scripts: the longest ISL that stays above 80 km of a WGS72-radius Earth
    max_isl_m = 1000.0 * (job.max_isl_km if job.max_isl_km is not None
                          else 2.0 * math.sqrt(r_max_km**2 - (WGS72_A_M / 1000.0 + ATMOSPHERE_KM) ** 2))
    writer = HypatiaStateWriter(out_dir, job.source, sites, job.isl_edges, max_gsl_m, max_isl_m,
                                start=job.grid.start)
    gsl = GslIndex(sites.ecef_km, sites.lat_deg, sites.lon_deg, job.gsl)
    for a, b in job.grid.chunks(chunk_steps):
        pos = positions_ecef_km(job.source, job.grid.t_unix_s[a:b])
        keep = isl_keep_mask(job, pos)
        for k in range(b - a):
            mask, rng = gsl.step(pos[k])
            dist, nxt = distances_to_ground(pos[k], job.isl_edges, sites.ecef_km, mask, rng,
                                            None if keep is None else keep[k])
            writer.write_step(int(round(float(job.grid.t_s[a + k]) * 1e9)), dist, nxt, mask, rng)
        if progress is not None:
            progress(b - a)
    return job.grid.count, _reepoch_note(job, Path(out_dir) / "tles.txt")


def _reepoch_note(job, tles_path: Path) -> str:
    """'' if tles.txt holds the input TLEs as they were; else how far its re-epoched satellites are from the
    input's over the run (SGP4 of both at its first, middle and last instant)."""
    from leonet.orbits.propagate import positions_ecef_km
    from leonet.orbits.tle import parse_tle_text

    if not isinstance(job.source, TleSet) or _as_given(job.source, job.grid.start):
        return ""
    t = job.grid.t_unix_s[[0, job.grid.count // 2, -1]]
    written = parse_tle_text(tles_path.read_text(encoding="utf-8"), str(tles_path))
    offset_km = np.linalg.norm(positions_ecef_km(written, t) - positions_ecef_km(job.source, t), axis=2)
    worst = float(np.nanmax(offset_km)) if np.isfinite(offset_km).any() else float("nan")
    return (f"tles.txt: the {job.source.num_sats} TLEs re-epoched to the start (Hypatia flies every satellite from "
            f"one common epoch): median {float(np.nanmedian(offset_km)):.3f} km, max {worst:.3f} km from the input "
            f"TLEs over the run")
