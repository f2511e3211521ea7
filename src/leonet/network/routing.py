"""Shortest paths by propagation delay between ground nodes, one step or a series of steps.

``route_pairs`` answers one instant; ``PairRouter`` follows the pairs over consecutive steps, carrying each source's
shortest-path tree forward (``incremental.py``) and re-walking only the paths whose tree branch changed. Both give
the same answer: distances bit-for-bit those of scipy's Dijkstra, ties between exactly equal paths resolved by the
rule in ``incremental.py``.

RTT is 2 × the one-way path length / c, c = 299,792.458 km/s. Unreachable pairs have ``hops == -1`` and NaN
length internally; writers turn them into empty fields.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leonet import C_KM_S
from leonet.network.incremental import IncrementalRouter


@dataclass
class StepRoutes:
    """Routes of P pairs at one instant: length_km (P,) NaN if unreachable, hops (P,) −1 if unreachable,
    back (P, H) node ids from destination back to source, padded with −1 (graph node layout of ``graph.py``);
    ``nodes`` gives them source → destination."""

    length_km: np.ndarray
    hops: np.ndarray
    back: np.ndarray

    @property
    def nodes(self) -> np.ndarray:
        """(P, H) node ids from source to destination, padded with −1."""
        col = np.arange(self.back.shape[1])[None, :]
        inside = col <= self.hops[:, None]
        rev = np.take_along_axis(self.back, np.where(inside, self.hops[:, None] - col, 0), axis=1)
        return np.where(inside, rev, -1)

    @property
    def rtt_ms(self) -> np.ndarray:
        return 2.0 * self.length_km / C_KM_S * 1000.0


def route_pairs(sat_ecef_km: np.ndarray, isl_edges: np.ndarray, gsl_mask: np.ndarray, gsl_range_km: np.ndarray,
                src: np.ndarray, dst: np.ndarray, isl_ok: np.ndarray | None = None) -> StepRoutes:
    """Shortest paths between ground nodes ``src`` (P,) and ``dst`` (P,) (indices 0..G-1) at one instant.

    sat_ecef_km (N, 3), isl_edges (E, 2), gsl_mask and gsl_range_km (G, N). Dijkstra runs once per distinct
    source ground node; paths are read back from the predecessor arrays, vectorised over pairs.
    """
    router = PairRouter(sat_ecef_km.shape[0], isl_edges, gsl_mask.shape[0], src, dst)
    return router.step(sat_ecef_km, gsl_mask, gsl_range_km, isl_ok)


class PairRouter:
    """Routes of fixed pairs over consecutive steps. ``step(...)`` → ``StepRoutes``; ``changed`` (P,) tells which
    pairs' node paths differ from the previous step (all on the first)."""

    def __init__(self, num_sats: int, isl_edges: np.ndarray, num_ground: int, src: np.ndarray, dst: np.ndarray):
        n, g = int(num_sats), int(num_ground)
        self.sources, self.row_of_pair = np.unique(np.asarray(src, dtype=np.int64), return_inverse=True)
        self.router = IncrementalRouter(n, isl_edges, g, self.sources)
        self.start = n + np.asarray(src, dtype=np.int64)
        self.target = n + g + np.asarray(dst, dtype=np.int64)
        self.back: np.ndarray | None = None
        self.hops: np.ndarray | None = None
        self.changed: np.ndarray = np.ones(len(self.target), dtype=bool)
        self.path_entries: np.ndarray | None = None  # (P, H) see _set_path_entries

    def step(self, sat_ecef_km: np.ndarray, gsl_mask: np.ndarray | None, gsl_range_km: np.ndarray | None,
             isl_ok: np.ndarray | None = None, links: tuple | None = None) -> StepRoutes:
        """``links`` (sparse visible pairs, see ``IncrementalRouter.step_raw``) may replace mask and range."""
        router = self.router
        dist, pred = router.step_raw(sat_ecef_km, gsl_mask, gsl_range_km, isl_ok, links)  # (V, S)
        length = dist[self.target, self.row_of_pair]
        reachable = np.isfinite(length)
        pred = pred.T  # (S, V); only reachable entries are read
        if self.back is None:
            self.changed = np.ones(len(self.target), dtype=bool)
        elif router.moved is None:
            self.changed = ~self._still_valid(pred, reachable)
        else:  # a path is unchanged when no entry along it changed predecessor
            mark = np.zeros(dist.size + 1, dtype=bool)
            mark[router.moved] = True
            self.changed = mark[self.path_entries].any(axis=1) | (reachable != (self.hops >= 0))
        todo = np.flatnonzero(self.changed)
        back, hops = _walk(pred, self.row_of_pair[todo], self.start[todo], self.target[todo], reachable[todo])
        if self.back is None:
            self.back, self.hops = back, hops
        else:
            width = max(self.back.shape[1], back.shape[1])
            if width > self.back.shape[1]:
                self.back = np.pad(self.back, ((0, 0), (0, width - self.back.shape[1])), constant_values=-1)
            self.back[todo] = -1
            self.back[todo, : back.shape[1]] = back
            self.hops[todo] = hops
        self._set_path_entries(todo, dist.size)
        return StepRoutes(np.where(reachable, length, np.nan), self.hops.copy(), self.back.copy())

    def _set_path_entries(self, todo: np.ndarray, size: int) -> None:
        """Entries (node·S + source row) of every node along each path except the source; ``size`` (the scratch
        index, never marked) as padding."""
        s = self.router.s
        if self.path_entries is None or self.path_entries.shape[1] != self.back.shape[1]:
            todo = np.arange(len(self.target))
            self.path_entries = np.full(self.back.shape, size, dtype=np.int64)
        back = self.back[todo]
        inside = np.arange(back.shape[1])[None, :] < self.hops[todo, None]
        self.path_entries[todo] = np.where(inside, back * s + self.row_of_pair[todo, None], size)

    def _still_valid(self, pred: np.ndarray, reachable: np.ndarray) -> np.ndarray:
        """Pairs whose previous node path is still the tree path: every hop's predecessor is unchanged."""
        node, nxt = self.back[:, :-1], self.back[:, 1:]
        inside = np.arange(node.shape[1])[None, :] < self.hops[:, None]
        same = pred[self.row_of_pair[:, None], np.maximum(node, 0)] == nxt
        return (same | ~inside).all(axis=1) & (reachable == (self.hops >= 0))


def _walk(pred: np.ndarray, rows: np.ndarray, start: np.ndarray, target: np.ndarray,
          reachable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walk predecessors back from each destination, one iteration per hop, over the still-walking pairs only.
    Returns back (P, H) destination first, −1 padded, and hops (P,) (−1 unreachable)."""
    p = len(target)
    cur = target.astype(np.int64)
    hops = np.where(reachable, 0, -1)
    columns = [np.where(reachable, cur, -1)]
    walking = np.flatnonzero(reachable & (cur != start))
    while walking.size:
        nxt = pred[rows[walking], cur[walking]]
        cur[walking] = nxt
        hops[walking] += 1
        column = np.full(p, -1, dtype=np.int64)
        column[walking] = nxt
        columns.append(column)
        walking = walking[nxt != start[walking]]
    return np.stack(columns, axis=1), hops


def distances_to_ground(sat_ecef_km: np.ndarray, isl_edges: np.ndarray, ground_ecef_km: np.ndarray,
                        gsl_mask: np.ndarray, gsl_range_km: np.ndarray | None = None,
                        isl_ok: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For every ground node g and satellite s: the shortest ISL + downlink path length from s to g (km) and
    s's next hop towards g (a satellite index, or N+g for the final downlink; −1 unreachable). Each (G, N).

    Ground nodes never relay. Used by the simulation for terminal → gateway → PoP latency.
    """
    from scipy.sparse.csgraph import dijkstra

    from leonet.network.graph import build_step_graph

    n = sat_ecef_km.shape[0]
    g = gsl_mask.shape[0]
    if gsl_range_km is None:
        rel = sat_ecef_km[None, :, :] - ground_ecef_km[:, None, :]
        gsl_range_km = np.sqrt(np.einsum("gnk,gnk->gn", rel, rel))
    graph = build_step_graph(sat_ecef_km, isl_edges, gsl_mask, gsl_range_km, isl_ok)
    # Dijkstra on the transposed graph from each receiving copy: distances *to* it, predecessors = next hops.
    dist, pred = dijkstra(graph.T.tocsr(), directed=True, indices=n + g + np.arange(g), return_predecessors=True)
    dist_sat = dist[:, :n]
    nxt = pred[:, :n].astype(np.int64)
    nxt = np.where(nxt >= n + g, nxt - g, nxt)  # receiving copy N+G+g → N+g
    nxt = np.where(np.isfinite(dist_sat), nxt, -1)
    return dist_sat, nxt


def forwarding_state(sat_ecef_km: np.ndarray, isl_edges: np.ndarray, ground_ecef_km: np.ndarray,
                     gsl_mask: np.ndarray, gsl_range_km: np.ndarray | None = None,
                     isl_ok: np.ndarray | None = None) -> np.ndarray:
    """Next hop of every satellite towards every ground destination, (N, G): satellite index, N+g for the
    downlink to g, −1 when g is unreachable from that satellite."""
    return distances_to_ground(sat_ecef_km, isl_edges, ground_ecef_km, gsl_mask, gsl_range_km, isl_ok)[1].T
