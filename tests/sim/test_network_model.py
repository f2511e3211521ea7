"""The living system runs the engine's network: every preset and ISL mode serves terminals in coverage at its own
geometry, TLEs get +Grid from their elements, the shipped ground segment and its rules (PoP per country, landing,
antennas) shape the path, and telemetry carries the UTC slot start, PoP and path."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow.parquet as pq
import pytest

from leonet import C_KM_S
from leonet.access.codes import DisablementCode as C
from leonet.network.gsl import GslPolicy, gsl_visibility
from leonet.orbits.frames import geodetic_to_ecef_km
from leonet.sim import Simulation, default_scenario_path, load_scenario


def _scenario(tmp_path, **network):
    sc = load_scenario(default_scenario_path())
    net = sc.network.model_copy(update=network)
    return sc.model_copy(update={"network": net, "location_check": sc.location_check.model_copy(
        update={"enabled": False})})


def _sim(tmp_path, name, sc):
    return Simulation(sc, f"sqlite:///{tmp_path / f'{name}.sqlite'}", record=False)


@pytest.mark.parametrize("isls", ["plus-grid", "none"])
@pytest.mark.parametrize("preset", ["starlink-gen1", "starlink-shell1", "starlink-gen2a", "kuiper", "oneweb"])
def test_every_preset_and_isl_mode_serves_terminals_in_coverage(tmp_path, preset, isls):
    """Independent check (dense visibility test at each terminal, gsl_visibility): an authorized terminal with a
    satellite 2° above the users' mask — and, without ISLs, that satellite 1° above some gateway's mask — is
    served; a served terminal's satellite is above the mask (less 1.5°: the scheduler looks from the H3 cell
    centre) and its RTT at least the straight up-and-down propagation floor."""
    s = _sim(tmp_path, f"{preset}-{isls}", _scenario(tmp_path, constellation=preset, isls=isls))
    mask_deg = 25.0
    gws = s.network()
    gw_ecef = geodetic_to_ecef_km(gws.gateway_lat_deg, gws.gateway_lon_deg, np.zeros(len(gws.gateway_names)))
    checked = 0
    for _ in range(2):
        s.step()
        st = s.slot_state()
        sat_pos = s.net.positions_ecef_km(np.array([st.t_utc.timestamp()]))
        ok = np.flatnonzero(st.code == int(C.OKAY))
        x = geodetic_to_ecef_km(st.true_lat_deg[ok], st.true_lon_deg[ok], np.zeros(ok.size))
        vis, _ = gsl_visibility(x, st.true_lat_deg[ok], st.true_lon_deg[ok], sat_pos,
                                GslPolicy(min_elevation_deg=mask_deg + 2.0))
        vis = vis[0]
        if isls == "none":
            gvis, _ = gsl_visibility(gw_ecef, gws.gateway_lat_deg, gws.gateway_lon_deg, sat_pos,
                                     GslPolicy(min_elevation_deg=mask_deg + 1.0))
            vis = vis & gvis[0].any(axis=0)[None, :]
        in_coverage = vis.any(axis=1)
        assert in_coverage.sum() >= 3, f"{preset}/{isls}: scenario terminals should be in coverage"
        served = st.sat[ok] >= 0
        assert served[in_coverage].all(), (preset, isls, st.serial[ok][in_coverage & ~served])
        for i in ok[served]:
            assert st.el_deg[i] >= mask_deg - 1.5
            alt = np.linalg.norm(sat_pos[0, st.sat[i]]) - 6378.0
            assert st.rtt_ms[i] >= 2 * 2 * alt / C_KM_S * 1000 * 0.99
            if isls == "none":  # bent pipe: up to the satellite and straight down to a gateway
                hops = st.path[i][len(st.serial[i]) + 1:].split("-")
                assert hops[0] == str(st.sat[i]) and not hops[1].isdigit()
        checked += int(served.sum())
    assert checked >= 6


def test_tle_snapshot_with_plus_grid_from_elements_serves_terminals(tmp_path):
    sc = _scenario(tmp_path, tles="starlink-latest", constellation=None)
    sc = sc.model_copy(update={"start": datetime(2026, 5, 13, 0, 0, tzinfo=UTC)})
    s = _sim(tmp_path, "tle", sc)
    net = s.network()
    assert net.num_sats > 5000 and len(net.isl_edges) > net.num_sats  # +Grid: ~2 links per satellite or more
    s.step()
    st = s.slot_state()
    ok = st.code == int(C.OKAY)
    assert (st.sat[ok] >= 0).all() and np.isfinite(st.rtt_ms[ok]).all()
    assert (st.rtt_ms[ok] < 60).all()


@pytest.mark.parametrize("name", ["starlink-shell1", "starlink-gen2a", "kuiper", "oneweb"])
def test_plus_grid_from_tle_elements_rebuilds_the_walker_grid(name):
    """A Walker preset exported as TLEs (orbits.export), regrouped into shells and planes from its elements, gives
    exactly the +Grid of the Walker definition (independent: plus_grid on the constellation itself), Walker star
    seam included. (starlink-gen1's two 560 km / 97.6° shells share inclination and altitude: from elements alone
    they are one shell.)"""
    from leonet.network.isl import plus_grid
    from leonet.network.planes import plus_grid_from_tles
    from leonet.orbits.export import constellation_tles
    from leonet.orbits.presets import preset
    from leonet.orbits.tle import parse_tle_text

    c = preset(name)
    tles = parse_tle_text(constellation_tles(c))
    assert np.array_equal(plus_grid_from_tles(tles, c.epoch.timestamp()), plus_grid(c))


def test_pop_per_country_landing_rules_and_antennas(tmp_path):
    """The country's PoP is where its traffic exits; a landing rule pins the gateways; a gateway with one antenna
    downlinks one satellite at a time."""
    sc = _scenario(tmp_path, pop_of_country={"UA": "Frankfurt"}, landing_rules={"UA": ["Kaunas, Lithuania"]})
    s = _sim(tmp_path, "rules", sc)
    s.step()
    ua = [s.terminal(x) for x in ("ut-ua-kyiv-01", "ut-ua-kharkiv-01", "ut-mod-01")]
    assert all(t.served and t.pop == "Frankfurt" and t.gateway == "Kaunas, Lithuania" for t in ua)
    assert all(t.path.endswith("-Kaunas, Lithuania-Frankfurt") for t in ua)
    # Bent pipe through three gateways: without antenna limits one gateway takes several satellites; with one
    # antenna each, every gateway downlinks a single satellite (and the terminals move to the satellites left).
    from leonet.scenario import Gateway, Site

    def sats_per_gateway(antennas):
        gws = [Gateway(name=f"gw{k}", lat_deg=50.0 + k * 0.3, lon_deg=24.0 + k, country="PL", antennas=antennas)
               for k in range(3)]
        sc2 = _scenario(tmp_path, ground="none", isls="none").model_copy(update={
            "pops": [Site(name="Warsaw", lat_deg=52.2, lon_deg=21.0)], "gateways": gws})
        s2 = _sim(tmp_path, f"antennas{antennas}", sc2)
        s2.step()
        st = s2.slot_state()
        per_gw: dict[int, set] = {}
        for g, sat in zip(st.gateway[st.sat >= 0], st.sat[st.sat >= 0], strict=True):
            per_gw.setdefault(int(g), set()).add(int(sat))
        return per_gw

    assert max(len(v) for v in sats_per_gateway(None).values()) >= 2
    limited = sats_per_gateway(1)
    assert limited and all(len(v) == 1 for v in limited.values())


def test_telemetry_has_utc_slot_starts_pop_and_path(tmp_path):
    """Slots start at :12, :27, :42, :57 of the UTC minute whatever the scenario's start (arXiv 2307.00402)."""
    from leonet.sim.runner import run_batch

    sc = load_scenario(default_scenario_path())
    sc = sc.model_copy(update={"start": datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)})
    s = Simulation(sc, f"sqlite:///{tmp_path / 'tel.sqlite'}")
    assert s.start_utc == datetime(2026, 3, 1, 12, 0, 12, tzinfo=UTC)
    run_batch(s, 60.0, tmp_path / "out")
    t = pq.read_table(tmp_path / "out" / "telemetry.parquet").to_pylist()
    assert {r["t_utc"].second for r in t} == {12, 27, 42, 57}
    assert len(t) == 4 * len(sc.terminals)
    kyiv = [r for r in t if r["serial"] == "ut-ua-kyiv-01"]
    assert all(r["pop"] and r["path"].startswith("ut-ua-kyiv-01-") and r["path"].endswith("-" + r["pop"])
               for r in kyiv)
    grey = [r for r in t if r["serial"] == "ut-grey-01"]
    assert all(r["pop"] is None and r["path"] is None and r["rtt_ms"] is None for r in grey)


def test_routes_takes_the_tle_snapshot_with_plus_grid(tmp_path):
    """`leonet routes` and the living system share the network model: the shipped TLEs with +Grid from elements."""
    from leonet.network.latency import iter_route_chunks
    from leonet.network.setup import build_route_job

    gs = tmp_path / "gs.csv"
    gs.write_text("name,lat_deg,lon_deg,alt_m\nLondon,51.5,-0.12,0\nNew York,40.71,-74.0,0\nMadrid,40.42,-3.7,0\n")
    job = build_route_job(preset=None, tles="starlink-latest", ground_stations=gs, isls="plus-grid",
                          start="2026-05-13T00:00:00Z", duration=1, step=1)
    table = next(iter_route_chunks(job)).to_pylist()
    assert len(table) == 3 and all(r["rtt_ms"] is not None for r in table)
    ny = next(r for r in table if {r["src"], r["dst"]} == {"London", "New York"})
    # Faster than nothing, slower than light along the great circle (5,570 km): 37.2 ms round trip.
    assert 37.2 < ny["rtt_ms"] < 120
