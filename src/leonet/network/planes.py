"""+Grid laser links for satellites known only by their TLEs: group them into orbital planes from their elements
at one instant (inclination, RAAN, altitude: the orbit normal and radius from SGP4 position and velocity), order
each plane by argument of latitude, link each satellite to its neighbours in its plane and to the satellite of
closest phase in the next plane of its shell."""

from __future__ import annotations

import numpy as np
from sgp4.api import SatrecArray

from leonet.orbits.timegrid import jd_split
from leonet.orbits.tle import TleSet

INC_BIN_DEG = 1.0  # satellites of one shell share their inclination to well within 1°
ALT_BIN_KM = 20.0  # and their altitude to within ~20 km once on station (orbit-raising satellites form own groups)
RAAN_GAP_DEG = 1.0  # a new plane starts where sorted RAANs jump by more than this inside a group


def orbital_elements(tles: TleSet, t_unix_s: float) -> tuple[np.ndarray, ...]:
    """(inclination_deg, raan_deg, arg_latitude_deg, radius_km) of every satellite at one instant (TEME, SGP4);
    NaN where SGP4 fails."""
    jd, fr = jd_split(np.array([t_unix_s]))
    err, r, v = SatrecArray(tles.satrecs).sgp4(jd, fr)
    r, v = r[:, 0, :], v[:, 0, :]
    bad = err[:, 0] != 0
    h = np.cross(r, v)
    hn = np.linalg.norm(h, axis=1)
    inc = np.rad2deg(np.arccos(np.clip(h[:, 2] / hn, -1, 1)))
    raan = np.rad2deg(np.arctan2(h[:, 0], -h[:, 1])) % 360.0
    node = np.stack([np.cos(np.deg2rad(raan)), np.sin(np.deg2rad(raan)), np.zeros(len(raan))], axis=1)
    rn = np.linalg.norm(r, axis=1)
    cos_u = np.einsum("nk,nk->n", node, r) / rn
    sin_u = np.einsum("nk,nk->n", np.cross(node, r), h / hn[:, None])
    u = np.rad2deg(np.arctan2(sin_u / rn * 1.0, cos_u)) % 360.0
    out = [inc, raan, u, rn]
    for a in out:
        a[bad] = np.nan
    return tuple(out)


def planes_of(inc_deg: np.ndarray, raan_deg: np.ndarray, radius_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shell (group) and plane index of every satellite (−1 when its elements are unknown)."""
    n = len(inc_deg)
    ok = np.isfinite(inc_deg)
    shell = np.full(n, -1, dtype=np.int64)
    plane = np.full(n, -1, dtype=np.int64)
    keys = np.stack([np.round(inc_deg[ok] / INC_BIN_DEG), np.round(radius_km[ok] / ALT_BIN_KM)], axis=1)
    _, sid = np.unique(keys, axis=0, return_inverse=True)
    shell[ok] = sid.ravel()
    next_plane = 0
    for s in np.unique(shell[ok]):
        idx = np.flatnonzero(shell == s)
        order = idx[np.argsort(raan_deg[idx])]
        r = raan_deg[order]
        gaps = np.diff(np.concatenate([r, [r[0] + 360.0]]))
        cut = np.flatnonzero(gaps > RAAN_GAP_DEG)  # plane ends after these positions
        if cut.size == 0:
            plane[order] = next_plane
            next_plane += 1
            continue
        # Start at the position after the largest gap so a plane never straddles 0°/360°.
        start = (cut[np.argmax(gaps[cut])] + 1) % len(order)
        rolled = np.roll(order, -start)
        rolled_gaps = np.roll(gaps, -start)
        pid = np.concatenate([[0], np.cumsum(rolled_gaps[:-1] > RAAN_GAP_DEG)])
        plane[rolled] = next_plane + pid
        next_plane += int(pid.max()) + 1
    return shell, plane


def plus_grid_from_tles(tles: TleSet, t_unix_s: float, inter_plane_offset: int = 0) -> np.ndarray:
    """+Grid links (E, 2) for TLE satellites: in-plane ring neighbours by argument of latitude, and for each
    satellite the one of closest argument of latitude (shifted by ``inter_plane_offset`` slots) in the next plane
    of its shell (planes ordered by RAAN). Each undirected link once, (lower, higher)."""
    inc, raan, u, rad = orbital_elements(tles, t_unix_s)
    shell, plane = planes_of(inc, raan, rad)
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
        for k, idx in enumerate(members):
            nxt = members[(k + 1) % len(members)]
            if (k + 1) == len(members) and len(members) < 3:
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
    edges = edges[edges[:, 0] != edges[:, 1]]
    return np.unique(edges, axis=0).astype(np.int64)
