"""RTT time series between ground stations: the engine behind ``leonet routes``.

Work streams over time in chunks (positions for a chunk at once, then one sparse graph per step), so memory stays
flat as the duration grows. Chunks are independent: they run serially or on Dask with identical results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from leonet.ground.sites import Sites
from leonet.network.gsl import GslIndex, GslPolicy
from leonet.network.isl import ATMOSPHERE_KM, link_grazing_altitude_km
from leonet.network.routing import PairRouter
from leonet.orbits.propagate import positions_ecef_km
from leonet.orbits.timegrid import TimeGrid
from leonet.orbits.tle import TleSet
from leonet.orbits.walker import Constellation

ROUTE_COLUMNS = ("t_s", "src", "dst", "rtt_ms", "hops", "path")


@dataclass
class RouteJob:
    """Everything one chunk needs; picklable, so Dask workers can run chunks."""

    source: Constellation | TleSet
    sites: Sites
    isl_edges: np.ndarray  # (E, 2)
    gsl: GslPolicy
    src: np.ndarray  # (P,) ground-station indices
    dst: np.ndarray  # (P,)
    grid: TimeGrid
    max_isl_km: float | None = None  # drop longer links
    drop_grazing_isls: bool = False  # drop links that cut the atmosphere (< 80 km)

    @property
    def num_sats(self) -> int:
        return self.source.num_sats


def all_pairs(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Every unordered pair (i < j) of ``count`` ground stations, in row-major order."""
    i, j = np.triu_indices(count, k=1)
    return i.astype(np.int64), j.astype(np.int64)


def isl_keep_mask(job: RouteJob, sat_ecef_km: np.ndarray) -> np.ndarray | None:
    """(T, E) mask of usable ISLs, or None when every link is kept."""
    if job.max_isl_km is None and not job.drop_grazing_isls:
        return None
    keep = np.ones(sat_ecef_km.shape[:-2] + (len(job.isl_edges),), dtype=bool)
    if job.max_isl_km is not None:
        d = sat_ecef_km[..., job.isl_edges[:, 1], :] - sat_ecef_km[..., job.isl_edges[:, 0], :]
        keep &= np.sqrt(np.einsum("...k,...k->...", d, d)) <= job.max_isl_km
    if job.drop_grazing_isls:
        keep &= link_grazing_altitude_km(sat_ecef_km, job.isl_edges) >= ATMOSPHERE_KM
    return keep


class PathLabels:
    """Path strings ('name-12-13-name', source first) as a growing dictionary of distinct strings: a pair's label
    is rebuilt only on the steps its node path changed (paths change rarely between 100 ms steps); every step is
    then one int32 index per pair. (Distinct, so Parquet can keep the dictionary: with a repeated value Arrow's
    writer falls back to plain pages, twice the file.)"""

    def __init__(self, num_sats: int, names: tuple[str, ...]):
        self.labels = np.array([str(i) for i in range(num_sats)] + list(names) + list(names), dtype=object)
        self.strings: list[str] = []
        self.index: dict[str, int] = {}
        self.ids: np.ndarray | None = None

    def update(self, changed: np.ndarray, back: np.ndarray, hops: np.ndarray) -> np.ndarray:
        """Index of each pair's path string (−1 unreachable) after a step; ``back`` destination first."""
        if self.ids is None:
            self.ids = np.full(len(hops), -1, dtype=np.int32)
        todo = np.flatnonzero(changed)
        self.ids[todo] = -1
        todo = todo[hops[todo] >= 0]
        labels, strings, index = self.labels, self.strings, self.index
        ids = []
        for i in todo.tolist():
            label = "-".join(labels[back[i, hops[i]::-1]])
            k = index.setdefault(label, len(strings))
            if k == len(strings):
                strings.append(label)
            ids.append(k)
        self.ids[todo] = np.array(ids, dtype=np.int32)
        return self.ids

    def compact(self) -> None:
        """Keep only the strings of the current paths (called between chunks, so the dictionary stays small)."""
        if self.ids is None:
            return
        live = self.ids >= 0
        keep, inverse = np.unique(self.ids[live], return_inverse=True)
        self.strings = [self.strings[i] for i in keep.tolist()]
        self.index = {label: k for k, label in enumerate(self.strings)}
        self.ids[live] = inverse.astype(np.int32)


def compute_chunk(job: RouteJob, first: int, stop: int, carry: dict | None = None,
                  dictionary: bool = False) -> pa.Table:
    """Routes for steps ``first``..``stop``-1 of the job's grid as a table with ``ROUTE_COLUMNS``.

    ``carry`` (a dict, empty at first) keeps the router's trees from one chunk to the next when chunks are run in
    order in one process; the answer is the same with or without it (``incremental.py``). With ``dictionary``
    the string columns (src, dst, path) are dictionary-encoded (the same values; no Arrow compute kernels run,
    which spares their import at start-up)."""
    steady_allocator()  # once per process (Dask workers included)
    t_s = job.grid.t_s[first:stop]
    t_unix = job.grid.t_unix_s[first:stop]
    sites = job.sites
    pos = positions_ecef_km(job.source, t_unix)  # (T, N, 3)
    keep = isl_keep_mask(job, pos)
    if carry is not None and carry.get("next") == first:
        gsl, router, paths = carry["state"]
        paths.compact()
    else:
        gsl = GslIndex(sites.ecef_km, sites.lat_deg, sites.lon_deg, job.gsl)
        router = PairRouter(job.num_sats, job.isl_edges, len(sites), job.src, job.dst)
        paths = PathLabels(job.num_sats, sites.names)
    if carry is not None:
        carry.update(next=stop, state=(gsl, router, paths))
    steps, p = len(t_s), len(job.src)
    rtt = np.empty((steps, p))
    hops = np.empty((steps, p), dtype=np.int32)
    path_id = np.empty((steps, p), dtype=np.int32)
    links = gsl.steps(pos)
    for k in range(steps):  # one network per step; everything inside is vectorised
        routes = router.step(pos[k], None, None, None if keep is None else keep[k], links[k])
        rtt[k] = routes.rtt_ms
        hops[k] = routes.hops
        path_id[k] = paths.update(router.changed, routes.back, routes.hops)
    missing = (hops < 0).ravel()
    names = pa.array(sites.names, type=pa.string())
    t_col = np.repeat(np.array([round(float(t), 9) for t in t_s], dtype=np.float64), p)
    src = pa.array(np.tile(job.src, steps).astype(np.int32))
    dst = pa.array(np.tile(job.dst, steps).astype(np.int32))
    path = pa.array(path_id.ravel(), mask=missing)
    strings = pa.array(paths.strings, type=pa.string())
    if dictionary:
        src, dst = pa.DictionaryArray.from_arrays(src, names), pa.DictionaryArray.from_arrays(dst, names)
        path = pa.DictionaryArray.from_arrays(path, strings)
    else:
        src, dst, path = names.take(src), names.take(dst), strings.take(path)
    return pa.table({
        "t_s": pa.array(t_col),
        "src": src,
        "dst": dst,
        "rtt_ms": pa.array(rtt.ravel(), mask=missing),
        "hops": pa.array(hops.ravel(), type=pa.int32(), mask=missing),
        "path": path,
    })


_ALLOCATOR_SET = False


def steady_allocator() -> None:
    """Ask glibc's malloc to serve arrays up to 8 MB from its heap and keep up to 32 MB of freed memory for reuse,
    rather than map each one fresh and hand it back to the kernel: each step allocates and frees a few (V × S)
    arrays of 1–4 MB (Starlink shell 1 or Gen1 × 99 sources), which by default sit just above the allocator's
    dynamic mmap threshold, and their page faults then cost more than the routing. Larger arrays (big
    constellations) are still mapped and unmapped, so memory stays flat. No effect elsewhere
    (mallopt: https://man7.org/linux/man-pages/man3/mallopt.3.html)."""
    global _ALLOCATOR_SET
    if _ALLOCATOR_SET:
        return
    _ALLOCATOR_SET = True
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # from <malloc.h>
    mallopt(m_mmap_threshold, 8 * 1024 * 1024)
    mallopt(m_trim_threshold, 32 * 1024 * 1024)


def iter_route_chunks(job: RouteJob, chunk_steps: int = 50, *, scheduler: str | None = None,
                      use_dask: bool = False, workers: int | None = None,
                      progress: Callable[[int], None] | None = None, dictionary: bool = False) -> Iterator[pa.Table]:
    """Yield the job's route tables chunk by chunk, in time order.

    Serial by default; with ``use_dask`` a local Dask cluster (or the scheduler at ``scheduler``) computes chunks
    in parallel, at most two per worker in flight so memory stays bounded. Results are identical either way.
    ``dictionary`` (serial runs only): string columns dictionary-encoded, see ``compute_chunk``.
    """
    from leonet.distributed import dask_client, map_in_order

    spans = job.grid.chunks(chunk_steps)
    step = (lambda span: progress(span[1] - span[0])) if progress else None
    if not (use_dask or scheduler):
        carry: dict = {}  # one process, chunks in order: trees carried from chunk to chunk
        for first, stop in spans:
            yield compute_chunk(job, first, stop, carry, dictionary)
            if step:
                step((first, stop))
        return
    with dask_client(scheduler, workers) as client:
        yield from map_in_order(client, compute_chunk, spans, shared=job, progress=step)


def forwarding_chunk(job: RouteJob, first: int, stop: int) -> pa.Table:
    """Forwarding state for steps ``first``..``stop``-1: for every satellite and every ground destination, the
    next hop (satellite index, or the ground station's name for the final downlink; empty when unreachable).
    Columns ``t_s,node,dst,next_hop``."""
    from leonet.network.routing import forwarding_state

    t_s = job.grid.t_s[first:stop]
    pos = positions_ecef_km(job.source, job.grid.t_unix_s[first:stop])
    gsl = GslIndex(job.sites.ecef_km, job.sites.lat_deg, job.sites.lon_deg, job.gsl)
    keep = isl_keep_mask(job, pos)
    n, g = job.num_sats, len(job.sites)
    labels = np.array([str(i) for i in range(n)] + list(job.sites.names), dtype=object)
    node = np.repeat(np.arange(n), g)
    dst = np.tile(np.array(job.sites.names, dtype=object), n)
    tables = []
    for k in range(len(t_s)):  # one graph per step
        mask, rng = gsl.step(pos[k])
        nxt = forwarding_state(pos[k], job.isl_edges, job.sites.ecef_km, mask, rng,
                               None if keep is None else keep[k]).ravel()  # (N·G,)
        tables.append(pa.table({
            "t_s": pa.array(np.full(n * g, round(float(t_s[k]), 9))),
            "node": pa.array(labels[node].tolist(), pa.string()), "dst": pa.array(dst.tolist(), pa.string()),
            "next_hop": pa.array(labels[np.maximum(nxt, 0)].tolist(), pa.string(), mask=nxt < 0)}))
    return pa.concat_tables(tables)
