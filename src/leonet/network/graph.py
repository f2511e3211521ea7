"""One time step's network as a sparse directed graph in which ground nodes can never relay.

Node layout for N satellites and G ground nodes: satellites 0..N-1, each ground node's *sending* copy N+g (edges
out only) and *receiving* copy N+G+g (edges in only). A shortest path from a sending copy therefore enters the
ground only at its destination: ground stations never relay traffic.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix


def build_step_graph(sat_ecef_km: np.ndarray, isl_edges: np.ndarray, gsl_mask: np.ndarray,
                     gsl_range_km: np.ndarray, isl_ok: np.ndarray | None = None) -> csr_matrix:
    """Sparse (N+2G) × (N+2G) graph with link lengths (km) as weights.

    sat_ecef_km (N, 3); isl_edges (E, 2); gsl_mask, gsl_range_km (G, N); isl_ok (E,) optional keep-mask.
    """
    n = sat_ecef_km.shape[0]
    g = gsl_mask.shape[0]
    edges = isl_edges if isl_ok is None else isl_edges[isl_ok]
    d = sat_ecef_km[edges[:, 1]] - sat_ecef_km[edges[:, 0]]
    isl_len = np.sqrt(np.einsum("ek,ek->e", d, d))
    finite = np.isfinite(isl_len)  # a satellite that failed to propagate (NaN position) has no links
    if not finite.all():
        edges, isl_len = edges[finite], isl_len[finite]
    gi, si = np.nonzero(gsl_mask)
    rng = gsl_range_km[gi, si]
    rows = np.concatenate([edges[:, 0], edges[:, 1], n + gi, si])
    cols = np.concatenate([edges[:, 1], edges[:, 0], si, n + g + gi])
    data = np.concatenate([isl_len, isl_len, rng, rng])
    # Zero-length links would vanish from a sparse matrix; keep them with a tiny positive weight.
    data = np.maximum(data, 1e-9)
    size = n + 2 * g
    return csr_matrix((data, (rows, cols)), shape=(size, size))
