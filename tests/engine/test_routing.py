"""Routing against NetworkX on a small constellation, the speed-of-light floor, path/hop/RTT consistency,
and the explicit 'unreachable' result."""

from __future__ import annotations

from datetime import UTC, datetime

import networkx as nx
import numpy as np
import pytest

from leonet import C_KM_S
from leonet.ground.sites import Sites
from leonet.network.gsl import GslPolicy, gsl_visibility
from leonet.network.isl import plus_grid
from leonet.network.routing import distances_to_ground, forwarding_state, route_pairs
from leonet.orbits.walker import Constellation, Shell

SMALL = Constellation("small", (Shell("s", 550.0, 53.0, 12, 12, phasing=1),), datetime(2026, 1, 1, tzinfo=UTC))
SITES = Sites.from_lists(["Kyiv", "Warsaw", "Berlin", "Madrid", "NewYork", "Tokyo"],
                         [50.45, 52.23, 52.52, 40.42, 40.71, 35.69], [30.52, 21.01, 13.40, -3.70, -74.0, 139.69])


def _step(constellation, t_offset_s=0.0, policy=GslPolicy(max_range_km=2500.0)):
    t = np.array([constellation.epoch.timestamp() + t_offset_s])
    pos = constellation.positions_ecef_km(t)
    mask, rng = gsl_visibility(SITES.ecef_km, SITES.lat_deg, SITES.lon_deg, pos, policy)
    return pos[0], mask[0], rng[0]


def _networkx_lengths(pos, edges, mask, rng):
    """Reference: an undirected NetworkX graph where ground stations are leaves reachable only as endpoints."""
    n = len(pos)
    lengths = {}
    for a in range(len(SITES)):
        g = nx.Graph()
        for i, j in edges:
            g.add_edge(int(i), int(j), weight=float(np.linalg.norm(pos[i] - pos[j])))
        for gs in range(len(SITES)):
            for s in np.flatnonzero(mask[gs]):
                g.add_edge(("gs", gs), int(s), weight=float(rng[gs, s]))
        # Forbid relaying through other ground stations: remove every ground node but the source and the target.
        for b in range(len(SITES)):
            if b == a:
                continue
            h = g.copy()
            h.remove_nodes_from([("gs", k) for k in range(len(SITES)) if k not in (a, b)])
            try:
                lengths[(a, b)] = nx.dijkstra_path_length(h, ("gs", a), ("gs", b))
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                lengths[(a, b)] = np.inf
    return n, lengths


@pytest.mark.parametrize("offset_s", [0.0, 317.0, 1800.0])
def test_lengths_match_networkx(offset_s):
    pos, mask, rng = _step(SMALL, offset_s)
    edges = plus_grid(SMALL)
    src, dst = np.triu_indices(len(SITES), k=1)
    routes = route_pairs(pos, edges, mask, rng, src, dst)
    _, ref = _networkx_lengths(pos, edges, mask, rng)
    for k, (a, b) in enumerate(zip(src, dst, strict=True)):
        if np.isinf(ref[(a, b)]):
            assert routes.hops[k] == -1 and np.isnan(routes.length_km[k])
        else:
            assert routes.length_km[k] == pytest.approx(ref[(a, b)], rel=1e-9)


def test_paths_hops_and_rtt_are_consistent_and_above_light_time():
    pos, mask, rng = _step(SMALL, 90.0)
    edges = plus_grid(SMALL)
    n = len(pos)
    g = len(SITES)
    src, dst = np.triu_indices(g, k=1)
    routes = route_pairs(pos, edges, mask, rng, src, dst)
    edge_set = {tuple(e) for e in edges.tolist()}
    assert (routes.hops >= 0).sum() > 0
    for k in np.flatnonzero(routes.hops >= 0):
        path = routes.nodes[k, : routes.hops[k] + 1]
        assert path[0] == n + src[k] and path[-1] == n + g + dst[k]
        sats = path[1:-1]
        assert (sats < n).all()  # ground stations never relay
        assert mask[src[k], sats[0]] and mask[dst[k], sats[-1]]
        for a, b in zip(sats[:-1], sats[1:], strict=True):
            assert (min(a, b), max(a, b)) in edge_set
        length = rng[src[k], sats[0]] + rng[dst[k], sats[-1]] + sum(
            np.linalg.norm(pos[a] - pos[b]) for a, b in zip(sats[:-1], sats[1:], strict=True))
        assert routes.length_km[k] == pytest.approx(length, rel=1e-9)
        assert routes.hops[k] == len(path) - 1
        straight = np.linalg.norm(SITES.ecef_km[src[k]] - SITES.ecef_km[dst[k]])
        assert routes.rtt_ms[k] >= 2 * straight / C_KM_S * 1000  # the speed-of-light floor
        assert routes.rtt_ms[k] == pytest.approx(2 * length / C_KM_S * 1000, rel=1e-12)


def test_zero_visibility_is_explicitly_unreachable():
    pos, mask, rng = _step(SMALL, 0.0)
    mask = mask.copy()
    mask[0, :] = False  # Kyiv sees nothing
    routes = route_pairs(pos, plus_grid(SMALL), mask, rng, np.array([0, 1]), np.array([1, 2]))
    assert routes.hops[0] == -1 and np.isnan(routes.length_km[0]) and (routes.nodes[0] == -1).all()
    assert routes.hops[1] >= 2 and np.isfinite(routes.rtt_ms[1])


def test_distances_to_ground_agree_with_pair_routes_and_forwarding_state():
    pos, mask, rng = _step(SMALL, 600.0)
    edges = plus_grid(SMALL)
    dist, nxt = distances_to_ground(pos, edges, SITES.ecef_km, mask, rng)
    n = len(pos)
    # A source ground station's shortest path = min over its visible satellites of uplink + dist(sat → dst).
    routes = route_pairs(pos, edges, mask, rng, np.array([0]), np.array([3]))
    vis = np.flatnonzero(mask[0])
    assert routes.length_km[0] == pytest.approx(np.min(rng[0, vis] + dist[3, vis]), rel=1e-9)
    # Following next hops from any satellite reaches the destination with the stated length.
    fwd = forwarding_state(pos, edges, SITES.ecef_km, mask, rng)
    assert fwd.shape == (n, len(SITES))
    s = int(vis[0])
    total, cur = 0.0, s
    for _ in range(n + 1):
        hop = fwd[cur, 3]
        if hop == n + 3:
            total += rng[3, cur]
            break
        total += np.linalg.norm(pos[cur] - pos[hop])
        cur = hop
    assert total == pytest.approx(dist[3, s], rel=1e-9)


def test_plus_grid_has_four_links_per_satellite():
    edges = plus_grid(SMALL)
    degree = np.bincount(edges.ravel(), minlength=SMALL.num_sats)
    assert (degree == 4).all()
    assert len(edges) == 2 * SMALL.num_sats


@pytest.mark.parametrize("policy", [GslPolicy(), GslPolicy(min_elevation_deg=10.0), GslPolicy(max_range_km=1500.0)])
def test_gsl_index_matches_the_dense_visibility_test(policy):
    from importlib import resources

    from leonet.ground.sites import read_sites_csv
    from leonet.network.gsl import GslIndex
    from leonet.orbits.presets import preset

    sites = read_sites_csv(resources.files("leonet") / "data" / "cities_top100.csv")
    c = preset("starlink-gen1")
    pos = c.positions_ecef_km(c.epoch.timestamp() + np.arange(0, 3600, 397.0))
    mask, rng = gsl_visibility(sites.ecef_km, sites.lat_deg, sites.lon_deg, pos, policy)
    index = GslIndex(sites.ecef_km, sites.lat_deg, sites.lon_deg, policy)
    for k in range(len(pos)):
        m, r = index.step(pos[k])
        assert (m == mask[k]).all()
        assert np.allclose(r[m], rng[k][m], rtol=1e-12)
