"""Shortest-path trees carried across steps (incremental.py) against a from-scratch computation at every step,
against scipy's Dijkstra (distances bit for bit), and the tie rule checked by brute force."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from leonet.ground.sites import read_sites_csv
from leonet.network.graph import build_step_graph
from leonet.network.gsl import GslIndex, GslPolicy
from leonet.network.incremental import IncrementalRouter
from leonet.network.isl import link_grazing_altitude_km, plus_grid
from leonet.network.routing import PairRouter, route_pairs
from leonet.orbits.presets import preset
from leonet.orbits.propagate import positions_ecef_km
from leonet.orbits.timegrid import TimeGrid

SITES = read_sites_csv(resources.files("leonet") / "data" / "cities_top100.csv")


def _steps(name: str, count: int, step_s: float, sites=SITES):
    c = preset(name)
    pos = positions_ecef_km(c, TimeGrid(c.epoch, step_s, count).t_unix_s)
    gsl = GslIndex(sites.ecef_km, sites.lat_deg, sites.lon_deg, GslPolicy())
    return c, pos, [gsl.step(p) for p in pos]


@pytest.mark.parametrize(("step_s", "drop_grazing"), [(0.1, False), (2.0, False), (1.0, True)])
def test_carried_trees_equal_fresh_trees_and_dijkstra_distances(step_s, drop_grazing):
    c, pos, links = _steps("starlink-shell1", 25, step_s)
    edges = plus_grid(c)
    n, g = c.num_sats, len(SITES)
    sources = np.arange(0, g, 7)
    carried = IncrementalRouter(n, edges, g, sources)
    for k, (mask, rng) in enumerate(links):
        keep = link_grazing_altitude_km(pos[k], edges) >= 300.0 if drop_grazing else None  # drops some links
        if k == 12:  # a ground station loses every link for one step, then gets them back
            mask = mask.copy()
            mask[sources[1]] = False
        d1, p1 = carried.step(pos[k], mask, rng, keep)
        d2, p2 = IncrementalRouter(n, edges, g, sources).step(pos[k], mask, rng, keep)
        assert np.array_equal(d1, d2) and np.array_equal(p1, p2), f"step {k}"
        graph = build_step_graph(pos[k], edges, mask, rng, keep)
        ref = dijkstra(graph, directed=True, indices=n + sources)
        assert np.array_equal(d1, ref), f"step {k}: distances differ from scipy's Dijkstra"
    assert carried.stats["dijkstra_sources"] == len(sources)  # only the first step ran Dijkstra


def _in_edges(graph, node):
    col = graph.getcol(node).tocoo()
    return col.row, col.data


def test_tie_rule_by_brute_force():
    """Each predecessor is the in-neighbour u minimising (D[u] + w, D[u], u); Walker symmetry makes exact ties
    common, so the rule is exercised (the test counts them)."""
    c, pos, links = _steps("starlink-shell1", 1, 1.0, sites=SITES)
    edges = plus_grid(c)
    n, g = c.num_sats, len(SITES)
    sources = np.array([0, 5])
    mask, rng = links[0]
    dist, pred = IncrementalRouter(n, edges, g, sources).step(pos[0], mask, rng)
    graph = build_step_graph(pos[0], edges, mask, rng).tocsc()
    ties = 0
    for r in range(len(sources)):
        d = dist[r]
        for v in np.flatnonzero(np.isfinite(d)):
            if v == n + sources[r]:
                assert pred[r, v] == -9999
                continue
            u, w = _in_edges(graph, v)
            cand = d[u] + w
            best = sorted(zip(cand.tolist(), d[u].tolist(), u.tolist(), strict=True))[0]
            ties += int(np.sum(cand == d[v])) > 1
            assert best[0] == d[v] and pred[r, v] == best[2], f"source {r} node {v}"
    assert ties > 0


def test_pair_router_walks_only_changed_paths_with_the_same_result():
    c, pos, links = _steps("starlink-shell1", 15, 1.0)
    edges = plus_grid(c)
    src, dst = np.triu_indices(12, k=1)
    router = PairRouter(c.num_sats, edges, len(SITES), src, dst)
    changed = 0
    for k, (mask, rng) in enumerate(links):
        a = router.step(pos[k], mask, rng)
        changed += int(router.changed.sum()) if k else 0
        b = route_pairs(pos[k], edges, mask, rng, src, dst)
        assert np.array_equal(a.hops, b.hops) and np.array_equal(a.nodes, b.nodes[:, : a.nodes.shape[1]])
        assert (b.nodes[:, a.nodes.shape[1]:] == -1).all()
        assert np.array_equal(a.length_km, b.length_km, equal_nan=True)
    assert 0 < changed < 14 * len(src)


def test_failed_satellites_are_absent_links():
    """NaN positions (a TLE that failed to propagate) make that satellite's links absent, as in graph.py."""
    c, pos, links = _steps("starlink-shell1", 2, 1.0)
    edges = plus_grid(c)
    p = pos[1].copy()
    p[100] = np.nan
    mask, rng = links[1]
    router = IncrementalRouter(c.num_sats, edges, len(SITES), np.array([0, 1]))
    router.step(pos[0], *links[0])
    d, _ = router.step(p, mask, rng)
    ref = dijkstra(build_step_graph(p, edges, mask, rng), directed=True, indices=c.num_sats + np.array([0, 1]))
    assert np.isinf(d[:, 100]).all() and np.array_equal(d, ref)


def test_first_step_grown_from_roots_equals_dijkstra_start():
    """The first step's trees, grown by label correction from the roots (small networks, no SciPy import) or taken
    from scipy's Dijkstra and put in canonical form (large ones), are the same, and stay the same when carried."""
    c, pos, links = _steps("starlink-shell1", 6, 1.0)
    edges = plus_grid(c)
    sources = np.arange(0, len(SITES), 3)
    grown = IncrementalRouter(c.num_sats, edges, len(SITES), sources)
    dijk = IncrementalRouter(c.num_sats, edges, len(SITES), sources)
    dijk.GROW_MAX_ENTRIES = 0
    for k, (mask, rng) in enumerate(links):
        d1, p1 = grown.step(pos[k], mask, rng)
        d2, p2 = dijk.step(pos[k], mask, rng)
        assert np.array_equal(d1, d2) and np.array_equal(p1, p2), f"step {k}"
    ref = dijkstra(build_step_graph(pos[-1], edges, *links[-1]), directed=True, indices=c.num_sats + sources)
    assert np.array_equal(d1, ref)
