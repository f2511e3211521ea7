"""Shortest-path trees carried from one time step to the next, repaired instead of recomputed.

Between 100-ms steps the ISL topology is fixed and link lengths change by metres, so each source's shortest-path
tree changes in a handful of nodes (measured on Starlink shell 1 and 100 cities: ~300 changed predecessors out of
157,000 per step, although ~75 % of the 99 trees change somewhere). Each step:

1. ``D'`` = every node's distance along the *previous* tree with the *new* link lengths, level by level from the
   root, each as ``D'[parent] + w`` in path order (the very floating-point sum Dijkstra forms along that path).
2. Certificate, vectorised over all nodes and sources: count the in-edges ``(u, v)`` with ``D'[u] + w ≤ D'[v] + tol``.
   A reachable node passes when only its tree edge does; an unreachable one when none does. The tree is a
   shortest-path tree iff every node passes (reduced costs of all edges ≥ 0).
3. Failing nodes are repaired by label correction: the better in-edge is taken and improvements are pushed along
   out-edges until nothing improves (Bellman–Ford from an upper bound; exact on convergence).
4. Tie rule. Walker shells are symmetric, so paths of *exactly* equal float64 length are common (~100–500 nodes
   per step for shell 1); Dijkstra would break them by its heap's internal order. Here every node's predecessor is
   the in-neighbour ``u`` minimising ``(D[u] + w, D[u], u)``: shortest, then the one settled first by any Dijkstra,
   then the lowest node index. The first step (scipy's Dijkstra) is put in the same canonical form, so a run gives
   the same answer whatever step it starts from (chunks and Dask workers agree).

Result on every step: distances bit-for-bit equal to ``scipy.sparse.csgraph.dijkstra`` and the canonical
shortest-path tree (tested step by step against a from-scratch computation).

Node layout as ``graph.py``: satellites 0..N-1, sending copies N+g, receiving copies N+G+g. Edge ids: directed ISL
``e`` (a→b) and ``E+e`` (b→a); uplink g→s ``2E + g·N + s``; downlink s→g ``2E + G·N + g·N + s``. Arrays are kept
node-major, (V, S) for V nodes and S sources, so per-node gathers copy whole rows.
"""

from __future__ import annotations

import numpy as np

MIN_LINK_KM = 1e-9  # as graph.py: zero-length links keep a tiny positive weight


def _unique(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values (as ``np.unique``, which in NumPy 2.3+ hashes and is ~4× slower on these arrays)."""
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if a.size else a


def _isin(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """As ``np.isin``, by binary search in the sorted distinct values of ``b``."""
    b = _unique(b)
    if b.size == 0:
        return np.zeros(a.shape, dtype=bool)
    return b[np.minimum(np.searchsorted(b, a), b.size - 1)] == a


def _unique_first(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and the index of each one's first occurrence (``np.unique(a, return_index=True)``)."""
    order = np.argsort(a, kind="stable")
    a = a[order]
    first = np.concatenate(([True], a[1:] != a[:-1])) if a.size else np.zeros(0, dtype=bool)
    return a[first], order[first]


class IncrementalRouter:
    """Shortest paths from ground nodes ``sources`` (S,) to every node, step after step.

    ``step(...)`` returns ``(dist, pred)``, each (S, N+2G) like ``dijkstra(..., return_predecessors=True)``."""

    def __init__(self, num_sats: int, isl_edges: np.ndarray, num_ground: int, sources: np.ndarray):
        self.n, self.g = int(num_sats), int(num_ground)
        self.v = self.n + 2 * self.g
        self.sources = np.asarray(sources, dtype=np.int64)
        self.s = len(self.sources)
        edges = np.asarray(isl_edges, dtype=np.int64).reshape(-1, 2)
        self.e = len(edges)
        self.isl_edges = edges
        # In-neighbour table of every satellite: nbr[v, j] = u, nbr_eid[v, j] = id of u→v, out_eid[v, j] = id of v→u
        frm = np.concatenate([edges[:, 0], edges[:, 1]])
        to = np.concatenate([edges[:, 1], edges[:, 0]])
        ids = np.arange(2 * self.e)
        order = np.lexsort((frm, to))
        deg = np.bincount(to, minlength=self.n)
        k = int(deg.max()) if self.e else 0
        slot = np.arange(2 * self.e) - np.repeat(np.concatenate([[0], np.cumsum(deg)[:-1]]), deg)
        self.nbr = np.full((self.n, k), -1, dtype=np.int64)
        self.nbr_eid = np.full((self.n, k), -1, dtype=np.int64)
        self.nbr[to[order], slot] = frm[order]
        self.nbr_eid[to[order], slot] = ids[order]
        reverse = np.concatenate([ids[self.e:], ids[:self.e]])  # id of the opposite direction
        self.out_eid = np.where(self.nbr_eid >= 0, reverse[np.maximum(self.nbr_eid, 0)], -1)
        self.root_node = self.n + self.sources
        self.src_row = np.full(self.g, -1, dtype=np.int64)
        self.src_row[self.sources] = np.arange(self.s)
        self.dist: np.ndarray | None = None  # (V, S)
        self.pred: np.ndarray | None = None  # (V, S) node ids, −9999 for roots and unreachable (scipy's value)
        self.pred_eid: np.ndarray | None = None  # (V, S)
        self.stats = {"steps": 0, "repaired_nodes": 0, "dijkstra_sources": 0}
        self._moved: list[np.ndarray] = []  # entries (node·S + source) whose predecessor changed this step
        self._batches: list | None = None  # per level ≥ 1: [entries, parent entries, edge ids]; None: rebuild
        self.moved: np.ndarray | None = None  # see step_raw
        self._w: np.ndarray | None = None  # edge weights (see _weights)
        self._best: np.ndarray | None = None  # scratch for _settle, all inf between calls
        self._w_set = np.zeros(0, dtype=np.int64)

    # ---- one step -------------------------------------------------------------------------------------------
    def step(self, sat_ecef_km: np.ndarray, gsl_mask: np.ndarray, gsl_range_km: np.ndarray,
             isl_ok: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        dist, pred = self.step_raw(sat_ecef_km, gsl_mask, gsl_range_km, isl_ok)
        return dist.T, np.where(np.isfinite(dist), pred, -9999).T

    def step_raw(self, sat_ecef_km: np.ndarray, gsl_mask: np.ndarray | None, gsl_range_km: np.ndarray | None,
                 isl_ok: np.ndarray | None = None, links: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
        """As ``step`` but node-major, (V, S), and the predecessor of unreachable entries left as it is (only
        reachable entries' predecessors are meaningful). ``moved`` then holds the entries (node·S + source)
        whose predecessor changed in this step, or None when any may have (a tree was recomputed).

        ``links`` = (site, satellite, range km) of the visible pairs sorted by site then satellite may replace
        the dense ``gsl_mask`` and ``gsl_range_km`` (pass None for both)."""
        if links is None:
            gi, si = np.nonzero(gsl_mask)
            links = (gi, si, gsl_range_km[gi, si])
        w = self._weights(sat_ecef_km, links, isl_ok)
        self.stats["steps"] += 1
        self.moved = np.zeros(0, dtype=np.int64)
        fresh = self.dist is None and self.v * self.s <= self.GROW_MAX_ENTRIES
        if fresh:
            self._start()
        elif self.dist is None:
            self._dijkstra(np.arange(self.s), sat_ecef_km, links, isl_ok)
        else:
            self._tree_distances(w)
        redo = self._repair(w, links, levels=not fresh)
        if fresh:
            self._set_levels(np.arange(self.s))
        if redo.size:  # safety net: the repair did not converge for these sources (never seen)
            self._dijkstra(redo, sat_ecef_km, links, isl_ok)
            self._repair(w, links)
        return self.dist, self.pred

    def _weights(self, sat, links, isl_ok) -> np.ndarray:
        """Weight of every edge id (inf: absent), in a buffer kept between steps (only last step's ground links
        are reset)."""
        n, e, gn = self.n, self.e, self.g * self.n
        d = sat[self.isl_edges[:, 1]] - sat[self.isl_edges[:, 0]]
        isl = np.maximum(np.sqrt(np.einsum("ek,ek->e", d, d)), MIN_LINK_KM)
        keep = np.isfinite(isl) if isl_ok is None else np.isfinite(isl) & isl_ok
        isl = np.where(keep, isl, np.inf)  # as graph.py: links of failed satellites and dropped links are absent
        if self._w is None:
            self._w = np.full(2 * e + 2 * gn, np.inf)
        w = self._w
        w[2 * e + self._w_set] = np.inf
        w[2 * e + gn + self._w_set] = np.inf
        gi, si, rng = links
        self._w_set = gi * n + si
        gsl = np.maximum(rng, MIN_LINK_KM)
        w[:e] = isl
        w[e:2 * e] = isl
        w[2 * e + self._w_set] = gsl
        w[2 * e + gn + self._w_set] = gsl
        return w

    # ---- from scratch ---------------------------------------------------------------------------------------
    # First step: up to this many (node, source) entries the trees are grown by label correction (no SciPy
    # import: ~0.1 s for Starlink shell 1 × 99 sources, where importing SciPy alone costs ~0.25 s); above it
    # scipy's Dijkstra is faster (Gen1 × 99: 0.32 s against 0.07 s; all 34k Starlink satellites: 6 s against 0.65 s).
    GROW_MAX_ENTRIES = 300_000

    def _start(self) -> None:
        """First step: every entry unreachable but the roots; the repair (label correction from these upper
        bounds) then grows the trees. It converges to the same distances as Dijkstra: with positive weights,
        ``D[v] = min over in-edges of D[u] + w`` (in floating point, as Dijkstra forms it) has one solution."""
        self.stats["dijkstra_sources"] += self.s
        self.moved = None
        self.dist = np.full((self.v, self.s), np.inf)
        self.dist[self.root_node, np.arange(self.s)] = 0.0
        self.pred = np.full((self.v, self.s), -9999, dtype=np.int64)
        self.pred_eid = np.full((self.v, self.s), -1, dtype=np.int64)
        self.level = np.full((self.v, self.s), -1, dtype=np.int16)

    def _dijkstra(self, rows: np.ndarray, sat, links, isl_ok) -> None:
        """Trees of sources ``rows`` recomputed by scipy's Dijkstra (the safety net of ``step_raw``)."""
        from scipy.sparse.csgraph import dijkstra

        from leonet.network.graph import build_step_graph

        gi, si, dist = links
        mask = np.zeros((self.g, self.n), dtype=bool)
        rng = np.full((self.g, self.n), np.inf)
        mask[gi, si] = True
        rng[gi, si] = dist
        graph = build_step_graph(sat, self.isl_edges, mask, rng, isl_ok)
        dist, pred = dijkstra(graph, directed=True, indices=self.root_node[rows], return_predecessors=True)
        self.stats["dijkstra_sources"] += len(rows)
        self.moved = None
        if self.dist is None:
            self.dist = np.full((self.v, self.s), np.inf)
            self.pred = np.full((self.v, self.s), -9999, dtype=np.int64)
            self.pred_eid = np.full((self.v, self.s), -1, dtype=np.int64)
            self.level = np.full((self.v, self.s), -1, dtype=np.int16)
        self.dist[:, rows] = dist.T
        self.pred[:, rows] = pred.T
        self.pred_eid[:, rows] = self._edge_ids(pred.T.astype(np.int64))
        self._set_levels(rows)

    def _edge_ids(self, pred: np.ndarray) -> np.ndarray:
        """(V, r) predecessor nodes → ids of the tree edges into each node (−1 for roots / unreachable)."""
        n, g, e = self.n, self.g, self.e
        out = np.full(pred.shape, -1, dtype=np.int64)
        sat_rows = pred[:n]
        isl = sat_rows >= 0
        isl &= sat_rows < n
        if isl.any():
            vv, cc = np.nonzero(isl)
            hit = self.nbr[vv] == sat_rows[vv, cc][:, None]
            out[vv, cc] = self.nbr_eid[vv, hit.argmax(axis=1)]
        up = sat_rows >= n
        vv, cc = np.nonzero(up)
        out[vv, cc] = 2 * e + (sat_rows[vv, cc] - n) * n + vv
        recv = pred[n + g:]
        vv, cc = np.nonzero(recv >= 0)
        out[n + g + vv, cc] = 2 * e + g * n + vv * n + recv[vv, cc]
        return out

    # ---- levels ---------------------------------------------------------------------------------------------
    # D' is formed level by level: every entry (node, source) carries a level greater than its tree parent's
    # (roots 0, unreachable −1), and all entries of one level are summed at once. Exact depths satisfy this, but so
    # does any larger number, so when a predecessor changes the entry moves only if its level is no longer above
    # its new parent's (then its subtree follows where needed). Levels are kept as one array per level, patched
    # in place; vacated slots point at a scratch cell (index V·S) until the next rebuild.
    MAX_LEVEL = 4096  # beyond this, exact depths are recomputed (levels only grow between rebuilds)

    def _set_levels(self, rows: np.ndarray) -> None:
        """Exact depth of every node in the trees of sources ``rows`` (list ranking by pointer doubling)."""
        r = len(rows)
        pred = self.pred[:, rows]
        reach = np.isfinite(self.dist[:, rows])
        cols = np.arange(r)[None, :]
        anc = np.where(reach & (pred >= 0), pred * r + cols, -1).ravel()  # flat index of the parent entry
        depth = (anc >= 0).astype(np.int32)
        live = np.flatnonzero(anc >= 0)
        for _ in range(64):
            if live.size == 0:
                break
            a = anc[live]
            depth[live] += depth[a]  # right-hand sides are gathered before the update: synchronous doubling
            anc[live] = anc[a]
            live = live[anc[live] >= 0]
        else:
            raise RuntimeError("predecessor cycle in a shortest-path tree")
        self.level[:, rows] = np.where(reach, depth.reshape(-1, r), -1)
        self._batches = None

    def _build_levels(self) -> None:
        flat_level = self.level.ravel()
        order = np.argsort(flat_level, kind="stable")
        sorted_level = flat_level[order]
        first = np.searchsorted(sorted_level, 1)
        order = order[first:]
        bounds = np.searchsorted(sorted_level[first:], np.arange(1, int(sorted_level[-1]) + 2))
        parent = self.pred.ravel()[order] * self.s + order % self.s
        eid = self.pred_eid.ravel()[order]
        self._batches = [None] + [[order[a:b], parent[a:b], eid[a:b], b - a]
                                  for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        self._pos = np.zeros(flat_level.size, dtype=np.int64)
        self._pos[order] = np.arange(order.size) - np.repeat(bounds[:-1], np.diff(bounds))
        self._holes = 0

    def _tree_distances(self, w: np.ndarray) -> None:
        """D' along the current trees with the new weights, in path order."""
        if self._batches is None:
            self._build_levels()
        flat = np.full(self.v * self.s + 1, np.inf)  # the last cell is scratch for vacated slots
        flat[self.root_node * self.s + np.arange(self.s)] = 0.0
        for entries, parent, eid, size in self._batches[1:]:
            flat[entries[:size]] = flat[parent[:size]] + w[eid[:size]]
        self.dist = flat[:-1].reshape(self.v, self.s)

    def _update_levels(self, moved: np.ndarray) -> None:
        """Entries ``moved`` changed predecessor: raise the level of those no longer above their parent, then of
        their children, until every entry is above its parent; patch the per-level arrays to match."""
        if moved.size == 0:
            return
        s = self.s
        flat_level, flat_p = self.level.reshape(-1), self.pred.reshape(-1)
        raised, old_levels = [], []
        frontier = moved
        for _ in range(self.v + 1):
            parent = flat_p[frontier] * s + frontier % s
            below = flat_level[frontier] <= flat_level[parent]
            frontier, parent = frontier[below], parent[below]
            if frontier.size == 0:
                break
            raised.append(frontier)
            old_levels.append(flat_level[frontier])
            flat_level[frontier] = flat_level[parent] + 1
            # children: ISL neighbours and receiving copies whose predecessor is this satellite
            kid, par = self._out_entries(frontier)[:3:2]
            frontier = _unique(kid[flat_p[kid] == par])
        else:
            raise RuntimeError("predecessor cycle in a shortest-path tree")
        if raised:
            top = int(flat_level[np.concatenate(raised)].max())
            if top > self.MAX_LEVEL:
                self._set_levels(np.arange(self.s))
                return
        if self._batches is None:
            return
        self._patch_levels(moved, raised, old_levels)

    def _patch_levels(self, moved: np.ndarray, raised: list[np.ndarray], old_levels: list[np.ndarray]) -> None:
        s = self.s
        flat_level, flat_p, flat_e = self.level.reshape(-1), self.pred.reshape(-1), self.pred_eid.reshape(-1)
        batches, pos = self._batches, self._pos
        scratch = self.v * s
        if raised:
            ent, first = _unique_first(np.concatenate(raised))
            old = np.concatenate(old_levels)[first]
            new = flat_level[ent]
            for lv in _unique(old[old >= 1]).tolist():  # vacate the old slots
                at = pos[ent[old == lv]]
                batches[lv][0][at] = scratch
                batches[lv][1][at] = scratch
                batches[lv][2][at] = 0
                self._holes += at.size
            while len(batches) <= int(new.max()):
                batches.append([np.zeros(0, np.int64)] * 3 + [0])
            for lv in _unique(new).tolist():  # append to the new levels (arrays grow by a quarter)
                add = ent[new == lv]
                level = batches[lv]
                size = level[3]
                if size + add.size > level[0].size:
                    cap = (size + add.size) * 5 // 4 + 64
                    level[:3] = [np.concatenate([a[:size], np.zeros(cap - size, np.int64)]) for a in level[:3]]
                    level[0][size:] = scratch
                    level[1][size:] = scratch
                pos[add] = size + np.arange(add.size)
                level[0][size:size + add.size] = add
                level[1][size:size + add.size] = flat_p[add] * s + add % s
                level[2][size:size + add.size] = flat_e[add]
                level[3] = size + add.size
            was_raised = np.zeros(flat_level.size, dtype=bool)
            was_raised[ent] = True
            stay = moved[~was_raised[moved]]
        else:
            stay = moved
        lvs = flat_level[stay]
        for lv in _unique(lvs[lvs >= 1]).tolist():  # same level, new parent: patch in place
            x = stay[lvs == lv]
            batches[lv][1][pos[x]] = flat_p[x] * s + x % s
            batches[lv][2][pos[x]] = flat_e[x]
        if self._holes > self.v * s // 8:
            self._batches = None

    # ---- certificate and repair -----------------------------------------------------------------------------
    def _repair(self, w: np.ndarray, links: tuple, levels: bool = True) -> np.ndarray:
        """Certify every tree, repair failing nodes, put ties in canonical form. Returns source rows whose repair
        did not converge (to be recomputed from scratch). ``levels=False`` (first step, all trees grown from their
        roots): levels are left to the caller, and only entries with a tie are put in canonical form."""
        flagged, links = self._certify(w, links)
        if flagged.size == 0:
            return np.zeros(0, dtype=np.int64)
        self._out_table(links[0], links[1])
        changed = self._apply(self._in_candidates(flagged, w, links))
        seen = [flagged]
        for _ in range(self.v + 1):
            if changed.size == 0:
                break
            cand = self._out_candidates(changed, w)
            seen.append(cand[0])
            changed = self._apply(cand)
        if not levels:  # every entry was looked at: those with a unique shortest in-edge are canonical already
            seen = [self._certify(w, links[:2])[0]]
        return self._settle(w, links, seen, levels)

    def _certify(self, w: np.ndarray, links: tuple) -> tuple[np.ndarray, tuple]:
        """Entries whose in-edges do not certify the tree: reachable ones with more than one in-edge as short as
        the tree's (a better edge, or a tie), unreachable ones with any finite in-edge."""
        n, g, e, s = self.n, self.g, self.e, self.s
        d = self.dist
        finite = np.isfinite(d)
        # An in-edge "hits" when D[u] + w ≤ D[v]; for an unreachable v, when D[u] + w is finite. (Unreachable
        # entries are common: a shell with no satellite in view of a source, ISLs staying within shells.)
        thr = np.minimum(d, 1e300)  # D is never NaN
        count = np.zeros((self.v, s), dtype=np.int16)
        # satellites: ISL in-edges
        buf = np.empty((n, s))
        hit = np.empty((n, s), dtype=bool)
        wj = np.where(self.nbr_eid >= 0, w[np.maximum(self.nbr_eid, 0)], np.inf)  # (N, K)
        nbr = np.maximum(self.nbr, 0)
        for j in range(self.nbr.shape[1]):
            np.take(d, nbr[:, j], axis=0, out=buf)
            np.add(buf, wj[:, j, None], out=buf)
            np.less_equal(buf, thr[:n], out=hit)
            count[:n] += hit
        # satellites: uplink from the source's own ground node (D' = 0 at the root); one per (satellite, source)
        gi, si = links[0], links[1]
        own = self.src_row[gi] >= 0
        up = (gi[own], si[own], self.src_row[gi[own]])
        w_up = w[2 * e + up[0] * n + up[1]]
        count[up[1], up[2]] += w_up <= thr[up[1], up[2]]
        # receiving copies: downlinks (pairs come sorted by ground node)
        w_down = w[2 * e + g * n + gi * n + si]
        if gi.size:
            hits = (d[si] + w_down[:, None]) <= thr[n + g + gi]
            starts = np.flatnonzero(np.concatenate([[True], gi[1:] != gi[:-1]]))
            count[n + g + gi[starts]] += np.add.reduceat(hits, starts, axis=0, dtype=np.int16)
        bad = count != finite  # reachable: exactly the tree edge hits; unreachable: none does
        bad[n:n + g] = False
        return np.flatnonzero(bad.ravel()), (gi, si, w_down, up)

    def _settle(self, w: np.ndarray, links: tuple, seen: list[np.ndarray], levels: bool) -> np.ndarray:
        s = self.s
        # Canonical predecessor of every node whose in-edges were looked at, from its complete set of in-edges.
        target, value, parent, eid = self._in_candidates(_unique(np.concatenate(seen)), w, links)
        flat_d, flat_p, flat_e = self.dist.reshape(-1), self.pred.reshape(-1), self.pred_eid.reshape(-1)
        # Only each target's shortest candidates can win: keep those (a scatter-min), then order the few ties.
        if self._best is None:
            self._best = np.full(self.v * s, np.inf)
        np.minimum.at(self._best, target, value)
        shortest = value == self._best[target]
        self._best[target] = np.inf
        target, value, parent, eid = target[shortest], value[shortest], parent[shortest], eid[shortest]
        order = np.lexsort((parent, flat_d[parent * s + target % s], value, target))
        target, value, parent, eid = target[order], value[order], parent[order], eid[order]
        first = np.concatenate([[True], target[1:] != target[:-1]]) if target.size else target.astype(bool)
        target, value, parent, eid = target[first], value[first], parent[first], eid[first]
        unconverged = value < flat_d[target]
        fix = (value == flat_d[target]) & (flat_e[target] != eid) & (value < np.inf)
        flat_p[target[fix]] = parent[fix]
        flat_e[target[fix]] = eid[fix]
        self._moved.append(target[fix])
        if not levels:  # first step: the caller sets the levels; every entry is new (``moved`` is None)
            self._moved = []
            return _unique(target[unconverged] % s)
        moved = _unique(np.concatenate(self._moved))
        self._update_levels(moved)
        self._moved = []
        if self.moved is not None:
            self.moved = _unique(np.concatenate([self.moved, moved]))
        return _unique(target[unconverged] % s)

    def _out_table(self, gi: np.ndarray, si: np.ndarray) -> None:
        """This step's out-edges of every satellite, (N, K + D) padded with −1: the K ISL neighbours, then the
        receiving copies of the ground nodes that see it (downlinks), with the edge ids."""
        n, g, e, k = self.n, self.g, self.e, self.nbr.shape[1]
        order = np.argsort(si, kind="stable")
        sg, ss = gi[order], si[order]
        cnt = np.bincount(si, minlength=n)
        slot = np.arange(ss.size) - (np.cumsum(cnt) - cnt)[ss]
        width = k + (int(cnt.max()) if cnt.size else 0)
        self._out_node = np.full((n, width), -1, dtype=np.int64)
        self._out_eid = np.full((n, width), -1, dtype=np.int64)
        self._out_node[:, :k] = self.nbr
        self._out_eid[:, :k] = self.out_eid
        self._out_node[ss, k + slot] = n + g + sg
        self._out_eid[ss, k + slot] = 2 * e + g * n + sg * n + ss

    def _out_entries(self, flats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Out-edges of the satellite entries among ``flats``: target entries, source entries, source nodes and
        edge ids."""
        s = self.s
        flats = flats[flats < self.n * s]
        v = flats // s
        node = self._out_node[v]
        ok = node >= 0
        row = np.nonzero(ok)[0]
        return node[ok] * s + flats[row] % s, flats[row], v[row], self._out_eid[v][ok]

    def _in_candidates(self, flats: np.ndarray, w: np.ndarray, links) -> list[np.ndarray]:
        """Every in-edge of the (node, source) entries ``flats`` (node·S + source):
        [target flat, candidate distance D[parent] + w, parent node, edge id]."""
        n, g, e, s = self.n, self.g, self.e, self.s
        gi, si, w_down, (ug, us, ur) = links
        flat_d = self.dist.reshape(-1)
        fv = flats // s
        sat = fv < n
        target = flats[sat]
        v, c = fv[sat], target % s
        node = self.nbr[v]  # (m, K) ISL in-neighbours
        ok = node >= 0
        row = np.nonzero(ok)[0]
        u, eid = node[ok], self.nbr_eid[v][ok]
        parts = [(target[row], flat_d[u * s + c[row]] + w[eid], u, eid)]
        key = us * s + ur  # uplinks from each source's own ground node
        want = _isin(key, target)
        eid = 2 * e + ug[want] * n + us[want]
        parts.append((key[want], w[eid], n + ug[want], eid))
        recv = flats[~sat]  # downlinks into receiving copies: the pairs of each ground node are contiguous in gi
        if recv.size:
            rv, rc = recv // s - n - g, recv % s
            lo, hi = np.searchsorted(gi, rv, "left"), np.searchsorted(gi, rv, "right")
            cnt = hi - lo
            fi = np.repeat(np.arange(rv.size), cnt)
            k = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt) + lo[fi]
            pg, ps = gi[k], si[k]
            eid = 2 * e + g * n + pg * n + ps
            parts.append((recv[fi], flat_d[ps * s + rc[fi]] + w_down[k], ps, eid))
        return [np.concatenate(x) for x in zip(*parts, strict=True)]

    def _out_candidates(self, flats: np.ndarray, w: np.ndarray) -> list[np.ndarray]:
        """Out-edges of improved satellites: ISL neighbours and downlinks to the ground nodes that see them."""
        target, source, v, eid = self._out_entries(flats)
        return [target, self.dist.reshape(-1)[source] + w[eid], v, eid]

    def _apply(self, cand: list[np.ndarray]) -> np.ndarray:
        """Lower each target to its best candidate where that is strictly shorter (any decrease along the tree
        edge itself). Returns the targets whose distance changed; ties are settled afterwards."""
        target, value, parent, eid = cand
        flat_d, flat_p, flat_e = self.dist.reshape(-1), self.pred.reshape(-1), self.pred_eid.reshape(-1)
        better = value < flat_d[target]
        target, value, parent, eid = target[better], value[better], parent[better], eid[better]
        if target.size == 0:
            return target
        np.minimum.at(flat_d, target, value)
        win = np.flatnonzero(value == flat_d[target])
        target, first = _unique_first(target[win])  # the first shortest candidate of each target
        pick = win[first]
        self._moved.append(target[flat_p[target] != parent[pick]])
        flat_p[target] = parent[pick]
        flat_e[target] = eid[pick]
        self.stats["repaired_nodes"] += len(target)
        return target
