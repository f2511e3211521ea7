"""+Grid laser links for satellites known only by their TLEs: group them into shells (inclination, mean altitude)
and orbital planes (RAAN) from their mean elements brought to one instant with SGP4's secular rates, order each
plane by argument of latitude, link each satellite to its neighbours in its plane and to the satellite of closest
phase in the next plane of its shell."""

from __future__ import annotations

import numpy as np

from leonet.network.isl import ATMOSPHERE_KM, link_grazing_altitude_km
from leonet.orbits.propagate import positions_ecef_km
from leonet.orbits.timegrid import jd_split
from leonet.orbits.tle import TleSet

INC_GAP_DEG = 0.1  # shells differ in inclination by more than this (53.0° and 53.2° are two shells)
ALT_GAP_KM = 5.0  # and, at one inclination, in mean altitude by more than this (540 and 550 km)
RAAN_GAP_DEG = 1.0  # a new plane starts where sorted RAANs jump by more than this inside a shell
MU_KM3_S2 = 398600.4418  # WGS-84 (as SGP4's wgs84 constants)
EARTH_RADIUS_KM = 6378.137


def orbital_elements(tles: TleSet, t_unix_s: float) -> tuple[np.ndarray, ...]:
    """Mean (SGP4) inclination_deg, RAAN_deg and argument of latitude_deg at ``t_unix_s`` (secular rates from each
    TLE's epoch, so mixed epochs line up), and mean altitude_km; each (N,)."""
    jd, fr = jd_split(np.array([t_unix_s]))
    sats = tles.satrecs
    epoch = np.array([s.jdsatepoch + s.jdsatepochF for s in sats])
    dt_min = ((jd[0] + fr[0]) - epoch) * 1440.0
    get = lambda name: np.array([getattr(s, name) for s in sats])  # noqa: E731 - sgp4 Satrec attributes
    inc = np.rad2deg(get("inclo"))
    raan = np.rad2deg(get("nodeo") + get("nodedot") * dt_min) % 360.0
    u = np.rad2deg(get("argpo") + get("argpdot") * dt_min + get("mo") + get("mdot") * dt_min) % 360.0
    n_rad_s = get("no_kozai") / 60.0
    alt = np.cbrt(MU_KM3_S2 / n_rad_s**2) - EARTH_RADIUS_KM
    return inc, raan, u, alt


def _split(values: np.ndarray, gap: float) -> np.ndarray:
    """Group labels for sorted-gap clustering of ``values``: a new group where consecutive sorted values differ
    by more than ``gap``."""
    order = np.argsort(values)
    label = np.empty(values.size, dtype=np.int64)
    label[order] = np.concatenate([[0], np.cumsum(np.diff(values[order]) > gap)]) if values.size else []
    return label


def planes_of(inc_deg: np.ndarray, raan_deg: np.ndarray, alt_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shell and plane index of every satellite (−1 when its elements are unknown)."""
    n = len(inc_deg)
    ok = np.flatnonzero(np.isfinite(inc_deg) & np.isfinite(alt_km))
    shell = np.full(n, -1, dtype=np.int64)
    plane = np.full(n, -1, dtype=np.int64)
    inc_group = _split(inc_deg[ok], INC_GAP_DEG)
    next_shell = 0
    for k in np.unique(inc_group):
        members = ok[inc_group == k]
        alt_group = _split(alt_km[members], ALT_GAP_KM)
        shell[members] = next_shell + alt_group
        next_shell += int(alt_group.max()) + 1
    next_plane = 0
    for s in range(next_shell):
        idx = np.flatnonzero(shell == s)
        order = idx[np.argsort(raan_deg[idx])]
        r = raan_deg[order]
        gaps = np.diff(np.concatenate([r, [r[0] + 360.0]]))
        cut = np.flatnonzero(gaps > RAAN_GAP_DEG)  # plane ends after these positions
        if cut.size == 0:
            plane[order] = next_plane
            next_plane += 1
            continue
        # Start after the largest gap so a plane never straddles 0°/360°.
        start = (cut[np.argmax(gaps[cut])] + 1) % len(order)
        rolled = np.roll(order, -start)
        pid = np.concatenate([[0], np.cumsum(np.roll(gaps, -start)[:-1] > RAAN_GAP_DEG)])
        plane[rolled] = next_plane + pid
        next_plane += int(pid.max()) + 1
    return shell, plane


def plus_grid_from_tles(tles: TleSet, t_unix_s: float, inter_plane_offset: int = 0) -> np.ndarray:
    """+Grid links (E, 2) for TLE satellites: in-plane ring neighbours by argument of latitude, and for each
    satellite the one of closest argument of latitude (shifted by ``inter_plane_offset`` slots) in the next plane
    of its shell (planes ordered by RAAN). Each undirected link once, (lower, higher)."""
    inc, raan, u, alt = orbital_elements(tles, t_unix_s)
    shell, plane = planes_of(inc, raan, alt)
    links = []
    for s in np.unique(shell[shell >= 0]):
        in_shell = np.flatnonzero(shell == s)
        pids = np.unique(plane[in_shell])
        mean_raan = np.array([np.rad2deg(np.angle(np.exp(1j * np.deg2rad(raan[plane == p])).mean())) % 360
                              for p in pids])
        pids = pids[np.argsort(mean_raan)]
        members = []
        for p in pids:
            idx = np.flatnonzero(plane == p)
            idx = idx[np.argsort(u[idx])]
            members.append(idx)
            if idx.size > 2:
                links.append(np.stack([idx, np.roll(idx, -1)], axis=1))
            elif idx.size == 2:
                links.append(idx[None, :])
        if len(members) < 2:
            continue
        spacing = np.diff(np.concatenate([np.sort(mean_raan), [np.sort(mean_raan)[0] + 360.0]]))
        # A Walker star (planes over ~180°) has a seam of counter-rotating planes: no links across it.
        seam_open = len(members) < 3 or spacing[-1] > 2.0 * np.median(spacing[:-1])
        for k, idx in enumerate(members):
            nxt = members[(k + 1) % len(members)]
            if (k + 1) == len(members) and seam_open:
                continue
            du = (u[nxt][None, :] - u[idx][:, None] + 180.0) % 360.0 - 180.0  # (a, b) phase differences
            pick = np.abs(du).argmin(axis=1)
            if inter_plane_offset:
                order = np.argsort(u[nxt])
                rank = np.searchsorted(u[nxt][order], u[nxt][pick])
                pick = order[(rank + inter_plane_offset) % len(order)]
            links.append(np.stack([idx, nxt[pick]], axis=1))
    if not links:
        return np.zeros((0, 2), dtype=np.int64)
    edges = np.sort(np.concatenate(links), axis=1)
    edges = np.unique(edges[edges[:, 0] != edges[:, 1]], axis=0).astype(np.int64)
    # A sparsely filled plane or shell can pair satellites on opposite sides of the Earth: keep only links whose
    # line of sight stays above the atmosphere (the engine's grazing rule, network.isl.ATMOSPHERE_KM).
    pos = positions_ecef_km(tles, np.array([t_unix_s]))[0]
    clear = link_grazing_altitude_km(pos, edges) >= ATMOSPHERE_KM
    return edges[clear]
