"""Path and latency to the PoP, one routing model for bent pipe and lasers: terminal → satellite → (ISLs, when
there are any) → satellite → gateway → fibre → PoP, the cheapest over whatever links exist at the instant.

The PoP is the terminal's country's PoP when the ground segment names one (the operator's country → PoP
assignment), else the chosen gateway's home PoP; a country with a landing rule lands only at its gateways. A
gateway sees the satellites above its own mask and tracks at most ``antennas`` of them (the nearest)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from leonet import C_KM_S
from leonet.network.graph import build_step_graph
from leonet.network.gsl import GslIndex
from leonet.sim.network import NetworkModel


@dataclass(frozen=True)
class SlotRoutes:
    """Per terminal (M,): gateway, PoP and path index (−1 none), RTT (ms, NaN none); per path (P,): the satellites
    in order (uplink satellite first), the gateway, the PoP, and the label 'sat-…-sat-gateway-pop'."""

    gateway: np.ndarray
    pop: np.ndarray
    path_id: np.ndarray
    rtt_ms: np.ndarray
    path_sats: tuple[np.ndarray, ...]
    path_gateway: np.ndarray
    path_pop: np.ndarray
    path_label: np.ndarray  # (P,) object


@dataclass(frozen=True)
class SlotNetwork:
    """One slot's routing state: terminal group (M,), per group the target PoP (K,) (−1: the gateway's home PoP),
    the cheapest one-way cost from each satellite to the group's PoP and the next hops of those paths."""

    group: np.ndarray
    target: np.ndarray
    best_cost: np.ndarray  # (K, N) km
    next_hop: np.ndarray  # (K, N + 2G + K) graph node ids (graph.py layout), towards each group's sink
    num_sats: int
    num_gateways: int

    def reachable(self, term: np.ndarray, sat: np.ndarray) -> np.ndarray:
        """Whether satellite ``sat`` (K,) carries terminal ``term``'s (K,) traffic to its PoP."""
        return np.isfinite(self.best_cost[self.group[term], sat])


class PathModel:
    def __init__(self, net: NetworkModel):
        g = net.ground
        self.net = net
        self.gw_ecef_km = g.gw_ecef_km
        self.gw_index = GslIndex(self.gw_ecef_km, g.gw_lat_deg, g.gw_lon_deg, net.gateway_policy)
        self.fibre_equiv_km = g.fibre_km() / net.fibre_speed_fraction  # (G, P) vacuum-equivalent length
        self.home_equiv_km = self.fibre_equiv_km[np.arange(len(g.gw_names)), g.gw_pop]  # (G,)
        self.gw_names = np.array(g.gw_names, dtype=object)
        self.pop_names = np.array(g.pop_names, dtype=object)

    def gateway_links(self, sat_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gateway ↔ satellite visibility (G, N) and range (G, N) under the gateways' mask and antenna counts."""
        gi, si, rng, _ = self.gw_index.pairs(sat_pos)
        limit = self.net.ground.gw_antennas[gi]
        if (limit > 0).any():
            order = np.lexsort((rng, gi))  # per gateway, nearest first
            gi, si, rng, limit = gi[order], si[order], rng[order], limit[order]
            first = np.searchsorted(gi, gi)
            rank = np.arange(gi.size) - first
            keep = (limit == 0) | (rank < limit)
            gi, si, rng = gi[keep], si[keep], rng[keep]
        mask = np.zeros((len(self.gw_names), len(sat_pos)), dtype=bool)
        full = np.full(mask.shape, np.inf)
        mask[gi, si] = True
        full[gi, si] = rng
        return mask, full

    def groups(self, country: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[np.ndarray | None]]:
        """Per terminal group index (M,); per group the target PoP (−1: the gateway's home PoP) and the allowed
        gateways (None: any)."""
        g = self.net.ground
        uc, inv = np.unique(np.asarray(country, dtype=str), return_inverse=True)
        keys = [(g.pop_of_country.get(c, -1), c if c in g.landing else "") for c in uc.tolist()]
        ukeys = sorted(set(keys))
        gid = np.array([ukeys.index(k) for k in keys], dtype=np.int64)[inv] if len(uc) else np.zeros(0, np.int64)
        return gid, np.array([k[0] for k in ukeys], dtype=np.int64), [g.landing[k[1]] if k[1] else None
                                                                      for k in ukeys]

    def prepare(self, sat_pos: np.ndarray, country: np.ndarray) -> SlotNetwork:
        """The slot's ground links and, per terminal group, each satellite's cheapest one-way cost to the group's
        PoP (inf: no path) and its next hop on that path. country (M,) ISO alpha-2 of each terminal.

        One Dijkstra per group (not per gateway): each group is a sink node fed by every gateway it may land at,
        through a link as long as that gateway's fibre to the group's PoP (vacuum-equivalent)."""
        n, g = len(sat_pos), len(self.gw_names)
        mask, rng = self.gateway_links(sat_pos)
        graph = build_step_graph(sat_pos, self.net.isl_edges, mask, rng).tocoo()
        gid, target, allowed = self.groups(country)
        k = len(target)
        rows, cols, data = [graph.row], [graph.col], [graph.data]
        for j in range(k):
            gws = np.arange(g) if allowed[j] is None else np.asarray(allowed[j], dtype=np.int64)
            fibre = self.home_equiv_km[gws] if target[j] < 0 else self.fibre_equiv_km[gws, target[j]]
            rows.append(n + g + gws)
            cols.append(np.full(gws.size, n + 2 * g + j))
            data.append(np.maximum(fibre, 1e-9))
        size = n + 2 * g + k
        aug = csr_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=(size, size))
        # Distances *to* each sink on the transposed graph; predecessors there are next hops towards the sink.
        dist, pred = dijkstra(aug.T.tocsr(), directed=True, indices=n + 2 * g + np.arange(k),
                              return_predecessors=True)
        return SlotNetwork(gid, target, dist[:, :n], pred.astype(np.int64), n, g)

    def route(self, prep: SlotNetwork, sat_pos: np.ndarray, term_ecef_km: np.ndarray, sat: np.ndarray
              ) -> SlotRoutes:
        """Routes of the terminals served by ``sat`` (M,) (−1 unserved) at one instant."""
        m, n = len(sat), len(sat_pos)
        gateway = np.full(m, -1, dtype=np.int64)
        pop = np.full(m, -1, dtype=np.int64)
        path_id = np.full(m, -1, dtype=np.int64)
        rtt = np.full(m, np.nan)
        served = np.flatnonzero(sat >= 0)
        if served.size == 0:
            return SlotRoutes(gateway, pop, path_id, rtt, (), np.zeros(0, np.int64), np.zeros(0, np.int64),
                              np.zeros(0, dtype=object))
        key = prep.group[served] * n + sat[served]
        ukey, kinv = np.unique(key, return_inverse=True)
        kg, ks = ukey // n, ukey % n
        cost = prep.best_cost[kg, ks]
        ok = np.isfinite(cost)
        # One path per reachable (group, satellite): follow next hops from the uplink satellite to a gateway.
        pid = np.full(ukey.size, -1, dtype=np.int64)
        pid[ok] = np.arange(int(ok.sum()))
        sats, gw_ok = _walk(prep.next_hop, kg[ok], ks[ok], n, prep.num_gateways)
        gw = np.zeros(ukey.size, dtype=np.int64)
        gw[ok] = gw_ok
        key_pop = np.where(prep.target[kg] >= 0, prep.target[kg], self.net.ground.gw_pop[gw])
        labels = np.array(["-".join(map(str, s.tolist())) + f"-{self.gw_names[g]}-{self.pop_names[p]}"
                           for s, g, p in zip(sats, gw[ok], key_pop[ok], strict=True)], dtype=object)
        up = np.linalg.norm(sat_pos[sat[served]] - term_ecef_km[served], axis=1)
        t_ok = ok[kinv]
        s_idx = served[t_ok]
        rtt[s_idx] = 2.0 * (up[t_ok] + cost[kinv][t_ok]) / C_KM_S * 1000.0
        gateway[s_idx] = gw[kinv][t_ok]
        pop[s_idx] = key_pop[kinv][t_ok]
        path_id[s_idx] = pid[kinv][t_ok]
        return SlotRoutes(gateway, pop, path_id, rtt, tuple(sats), gw[ok], key_pop[ok], labels)


def _walk(next_hop: np.ndarray, group: np.ndarray, start_sat: np.ndarray, n: int, g: int
          ) -> tuple[list[np.ndarray], np.ndarray]:
    """Satellite sequences from each start satellite until the downlink, following each group's next hops
    (K, nodes); and the gateway each path lands at. Vectorised over paths, one iteration per hop."""
    p = start_sat.size
    cur = start_sat.astype(np.int64).copy()
    columns = [cur.copy()]
    walking = np.flatnonzero(next_hop[group, cur] < n)
    while walking.size:
        cur[walking] = next_hop[group[walking], cur[walking]]
        col = np.full(p, -1, dtype=np.int64)
        col[walking] = cur[walking]
        columns.append(col)
        walking = walking[next_hop[group[walking], cur[walking]] < n]
    landing = next_hop[group, cur]  # the receiving copy N+G+gw of the gateway the last satellite downlinks to
    table = np.stack(columns, axis=1)
    return [row[row >= 0] for row in table], landing - n - g


def path_length_km(sat_pos: np.ndarray, sats: np.ndarray, gw_ecef_km: np.ndarray) -> np.ndarray:
    """Length of a satellite chain ending in a downlink, at T instants: sat_pos (T, N, 3), sats (H,), gateway (3,)
    → (T,) km (ISL hops plus the downlink)."""
    chain = sat_pos[:, sats, :]  # (T, H, 3)
    hops = np.linalg.norm(np.diff(chain, axis=1), axis=2).sum(axis=1) if len(sats) > 1 else 0.0
    return hops + np.linalg.norm(chain[:, -1, :] - gw_ecef_km[None, :], axis=1)
