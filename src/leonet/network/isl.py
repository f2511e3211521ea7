"""Inter-satellite laser links: +Grid per Walker shell, or an explicit list of index pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from leonet.errors import LeonetInputError
from leonet.orbits.walker import Constellation

EARTH_RADIUS_KM = 6371.0
ATMOSPHERE_KM = 80.0  # a laser path that dips below ~80 km crosses the mesosphere: treated as blocked


def plus_grid(constellation: Constellation, inter_plane_offset: int = 0) -> np.ndarray:
    """+Grid links (E, 2): each satellite to the next in its plane and to the satellite in the next plane
    (slot + ``inter_plane_offset``). On a Walker delta (360° RAAN spread) the seam between the last and the first
    plane is closed with the phasing shift F, which keeps those neighbours adjacent; a Walker star has no seam link.
    Each undirected link appears once, as (lower index, higher index)."""
    links = []
    for shell, first in zip(constellation.shells, constellation.shell_offsets[:-1], strict=True):
        p_count, s_count = shell.planes, shell.sats_per_plane
        p = np.repeat(np.arange(p_count), s_count)
        s = np.tile(np.arange(s_count), p_count)
        idx = first + p * s_count + s
        if s_count > 1:
            links.append(np.stack([idx, first + p * s_count + (s + 1) % s_count], axis=1))
        if p_count > 1:
            nxt = p + 1
            shift = np.full_like(s, inter_plane_offset)
            seam = nxt == p_count
            if shell.raan_spread_deg >= 360.0:
                shift[seam] += shell.phasing
                keep = np.ones_like(seam)
            else:
                keep = ~seam
            other = first + (nxt % p_count) * s_count + (s + shift) % s_count
            links.append(np.stack([idx, other], axis=1)[keep])
    if not links:
        return np.zeros((0, 2), dtype=np.int64)
    edges = np.sort(np.concatenate(links), axis=1)
    edges = edges[edges[:, 0] != edges[:, 1]]
    return np.unique(edges, axis=0).astype(np.int64)


def read_isl_file(path: str | Path, num_sats: int) -> np.ndarray:
    """Read links, one per line: two 0-based satellite indices separated by a space, in file order (each as
    (lower, higher); repeats dropped). Errors name the line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise LeonetInputError("file not found", file=str(path)) from None
    pairs = []
    for lineno, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        parts = text.split()
        if len(parts) != 2:
            raise LeonetInputError("expected two satellite indices separated by a space", file=str(path),
                                   line=lineno, field="link", value=line)
        try:
            a, b = int(parts[0]), int(parts[1])
        except ValueError:
            raise LeonetInputError("not an integer", file=str(path), line=lineno, field="satellite index",
                                   value=line) from None
        for v in (a, b):
            if not 0 <= v < num_sats:
                raise LeonetInputError(f"satellite index out of range 0..{num_sats - 1}", file=str(path),
                                       line=lineno, field="satellite index", value=v)
        if a == b:
            raise LeonetInputError("a link needs two different satellites", file=str(path), line=lineno,
                                   field="link", value=line)
        pairs.append((min(a, b), max(a, b)))
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    # Duplicates dropped, file order kept (Hypatia numbers each satellite's ISL interfaces in this order).
    arr = np.array(pairs, dtype=np.int64)
    _, first = np.unique(arr, axis=0, return_index=True)
    return arr[np.sort(first)]


def link_grazing_altitude_km(sat_ecef_km: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Lowest altitude (above a 6,371 km sphere) along each straight link, shape (..., E)."""
    a = sat_ecef_km[..., edges[:, 0], :]
    b = sat_ecef_km[..., edges[:, 1], :]
    d = b - a
    t = np.clip(-np.einsum("...k,...k->...", a, d) / np.maximum(np.einsum("...k,...k->...", d, d), 1e-12), 0, 1)
    closest = a + t[..., None] * d
    return np.linalg.norm(closest, axis=-1) - EARTH_RADIUS_KM


def isl_lengths_km(sat_ecef_km: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Length of each link, (..., E) km."""
    d = sat_ecef_km[..., edges[:, 1], :] - sat_ecef_km[..., edges[:, 0], :]
    return np.sqrt(np.einsum("...k,...k->...", d, d))
