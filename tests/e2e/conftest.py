"""Fixtures of the end-to-end tests: one live simulation and its emulated dishes, shared by the dish's tests (the
first slot of the default scenario costs tens of seconds on 2 cores)."""

from __future__ import annotations

import pytest

from leonet.dish.server import DishView, serve
from leonet.sim import Simulation, default_scenario_path, load_scenario
from leonet.sim.runner import LiveRunner

from .dish_fixtures import TERMINALS, free_ports


@pytest.fixture(scope="session")
def live_sim(tmp_path_factory):
    """(simulation, store URL): the default scenario 150 s in (past the dishes' 35-s BOOTING, and past the two
    inconsistent 4-slot windows after which the location check flags the spoofer), running live at 1×."""
    url = f"sqlite:///{tmp_path_factory.mktemp('dish') / 'd.sqlite'}"
    sim = Simulation(load_scenario(default_scenario_path()), url)
    for _ in range(10):
        sim.step()
    runner = LiveRunner(sim, 1.0).start()
    yield sim, url
    runner.stop()


@pytest.fixture(scope="session")
def dishes(live_sim):
    """(sim, {serial: (grpc_port, web_port)}, {serial: DishView}) for TERMINALS."""
    sim = live_sim[0]
    ports = free_ports(2 * len(TERMINALS))
    views = {s: DishView(sim, s) for s in TERMINALS}
    servers = serve([(views[s], ports[2 * k], ports[2 * k + 1]) for k, s in enumerate(TERMINALS)])
    yield sim, {s: (ports[2 * k], ports[2 * k + 1]) for k, s in enumerate(TERMINALS)}, views
    for s in servers:
        s.stop(0)
