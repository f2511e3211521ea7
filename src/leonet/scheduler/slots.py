"""Satellite ↔ terminal assignment for one 15-second slot (authorized terminals only).

Each satellite has ``beams`` spot beams; a beam serves one H3 cell and its capacity is shared by the terminals of
that cell in proportion to their demand. A terminal takes the highest-elevation satellite in view that still has
a beam for its cell (a satellite already beaming at the cell always has room). Rounds, all vectorised: every
unassigned terminal proposes its best remaining candidate; each satellite accepts the proposing cells with the
largest demand up to its free beams; rejected terminals drop that candidate and propose again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Assignment:
    """Per terminal (M,): satellite index (−1 none), why not (0 served, 1 not authorized, 2 no satellite in view,
    3 capacity-limited), elevation of the serving satellite, throughput share in Mb/s."""

    satellite: np.ndarray
    reason: np.ndarray
    elevation_deg: np.ndarray
    throughput_mbps: np.ndarray
    beam_of_sat: np.ndarray  # (S,) beams in use per satellite

    SERVED, NOT_AUTHORIZED, NO_SATELLITE, CAPACITY = 0, 1, 2, 3


def assign(authorized: np.ndarray, cand_term: np.ndarray, cand_sat: np.ndarray, cand_elev: np.ndarray,
           cell: np.ndarray, demand_mbps: np.ndarray, num_sats: int, beams: int, beam_capacity_mbps: float,
           max_rounds: int = 32, presorted: bool = False) -> Assignment:
    """authorized (M,) bool; candidates as flat arrays (K,) of (terminal, satellite, elevation) pairs in view;
    cell (M,) uint64 H3 cell; demand_mbps (M,). ``presorted``: the candidates are already grouped by ascending
    terminal, best elevation first (as ``Simulation`` builds them), so the sort is skipped."""
    m = authorized.size
    keep = authorized[cand_term]
    ct, cs, ce = cand_term[keep], cand_sat[keep], cand_elev[keep]
    if not presorted:
        order = np.lexsort((-ce, ct))  # per terminal, best elevation first (stable: ties keep input order)
        ct, cs, ce = ct[order], cs[order], ce[order]
    start = np.searchsorted(ct, np.arange(m))
    count = np.bincount(ct, minlength=m)
    sat = np.full(m, -1, dtype=np.int64)
    elev = np.full(m, np.nan)
    nxt = np.zeros(m, dtype=np.int64)  # next candidate rank to propose
    beams_used = np.zeros(num_sats, dtype=np.int64)
    _, cell_id = np.unique(cell, return_inverse=True)
    ncell = int(cell_id.max()) + 1 if m else 1
    beamed = np.zeros(0, dtype=np.int64)  # keys sat·ncell + cell of (satellite, cell) pairs with a beam
    for _ in range(max_rounds):
        open_ = (sat < 0) & authorized & (nxt < count)
        if not open_.any():
            break
        who = np.flatnonzero(open_)
        pick = start[who] + nxt[who]
        ps = cs[pick]
        pairs = ps * ncell + cell_id[who]
        at = np.minimum(np.searchsorted(beamed, pairs), max(beamed.size - 1, 0))
        have = (beamed[at] == pairs) if beamed.size else np.zeros(pairs.size, dtype=bool)
        # New (sat, cell) requests: rank cells by demand per satellite, accept up to the free beams. Requests to a
        # satellite with no free beam cannot win and skip the ranking.
        new = ~have & (beams_used[ps] < beams)
        acc = have.copy()
        if new.any():
            req, inv = np.unique(pairs[new], return_inverse=True)
            req_demand = np.bincount(inv, weights=demand_mbps[who[new]])
            req_sat = req // ncell
            o = np.lexsort((-req_demand, req_sat))
            pos = np.arange(o.size) - np.searchsorted(req_sat[o], req_sat[o])
            ok = np.empty(o.size, dtype=bool)
            ok[o] = pos < (beams - beams_used[req_sat[o]])
            acc[new] = ok[inv]
            np.add.at(beams_used, req_sat[ok], 1)
            beamed = np.union1d(beamed, req[ok])
        sat[who[acc]] = ps[acc]
        elev[who[acc]] = ce[pick[acc]]
        nxt[who[~acc]] += 1
    reason = np.where(~authorized, Assignment.NOT_AUTHORIZED,
                      np.where(sat >= 0, Assignment.SERVED,
                               np.where(count == 0, Assignment.NO_SATELLITE, Assignment.CAPACITY)))
    # Throughput: each beam's capacity shared in proportion to demand, never above a terminal's demand.
    thr = np.zeros(m)
    served = np.flatnonzero(sat >= 0)
    if served.size:
        _, inv = np.unique(sat[served] * ncell + cell_id[served], return_inverse=True)
        total = np.bincount(inv, weights=demand_mbps[served])
        share = beam_capacity_mbps * demand_mbps[served] / total[inv]
        thr[served] = np.minimum(demand_mbps[served], share)
    return Assignment(sat, reason, elev, thr, beams_used)
