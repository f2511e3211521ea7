"""`leonet dish serve` as a user runs it: several dishes from one command, and --attach to a running server."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import grpc
import httpx
import numpy as np
import pytest
import starlink_grpc

from leonet.dish.server import DishView, serve
from leonet.sim import SimulationView

from .dish_fixtures import free_block, free_ports


def _wait_status(port: int, deadline_s: float = 90.0, proc: subprocess.Popen | None = None):
    deadline = time.time() + deadline_s
    while True:
        try:
            return starlink_grpc.get_status(starlink_grpc.ChannelContext(target=f"127.0.0.1:{port}"))
        except (starlink_grpc.GrpcError, grpc.RpcError):
            if proc is not None and proc.poll() is not None:  # the server exited: say why, do not wait on
                out = proc.stdout.read().decode()[-2000:]
                raise AssertionError(f"dish serve exited {proc.returncode}: {out}") from None
            if time.time() > deadline:
                raise
            time.sleep(0.5)


def test_two_dishes_from_one_command(tmp_path):
    port = free_block(4)  # two dishes: gRPC and gRPC-Web each
    proc = subprocess.Popen([sys.executable, "-m", "leonet", "dish", "serve", "--terminal", "ut-grey-02",
                             "--terminal", "ut-ua-kyiv-01", "--port", str(port), "--speed", "4",
                             "--db", f"sqlite:///{tmp_path / 'x.sqlite'}"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        assert _wait_status(port, proc=proc).disablement_code == 16  # BLOCKED_AREA
        second = _wait_status(port + 2, proc=proc)
        assert second.device_info.id == "ut-ua-kyiv-01" and second.disablement_code == 1
        # gRPC-Web of the first dish on the port between (a real dish: 9200 gRPC, 9201 gRPC-Web)
        r = httpx.options(f"http://127.0.0.1:{port + 1}/SpaceX.API.Device.Device/Handle",
                          headers={"Origin": "http://x", "Access-Control-Request-Method": "POST"})
        assert r.status_code == 204
        t0 = time.monotonic()
        a = starlink_grpc.get_history(starlink_grpc.ChannelContext(target=f"127.0.0.1:{port + 2}")).current
        t1 = time.monotonic()
        time.sleep(1.0)
        t2 = time.monotonic()
        b = starlink_grpc.get_history(starlink_grpc.ChannelContext(target=f"127.0.0.1:{port + 2}")).current
        t3 = time.monotonic()
        # --speed 4: four simulated seconds per wall second. Each sample was taken somewhere inside its call, so the
        # simulated gap lies between 4× the wall gap between the calls and 4× their outer span (±1 s: whole seconds).
        assert 4 * (t2 - t1) - 1 <= b - a <= 4 * (t3 - t0) + 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_dish_attached_to_a_running_simulation_api(live_sim, monkeypatch):
    """`leonet dish serve --attach URL`: the dish reads a running server's simulation through its REST API."""
    import uvicorn

    from leonet.api.app import create_app
    from leonet.api.routers import sim as sim_router
    from leonet.dish.remote import RemoteSimulation

    monkeypatch.setenv("LEONET_ADMIN_KEY", "attach-key")
    sim, url = live_sim
    api_port, dish_port = free_ports(2)
    server = uvicorn.Server(uvicorn.Config(create_app(url, extra_routers=[sim_router.router], live=sim),
                                           host="127.0.0.1", port=api_port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    remote = RemoteSimulation(f"http://127.0.0.1:{api_port}", "attach-key")
    servers = serve([(DishView(remote, "ut-grey-01"), dish_port)])
    try:
        ctx = starlink_grpc.ChannelContext(target=f"127.0.0.1:{dish_port}")
        raw = starlink_grpc.get_status(ctx)
        assert raw.disablement_code == int(sim.terminal("ut-grey-01").code) == 6  # as the running simulation says
        assert starlink_grpc.status_data(ctx)[0]["state"] == "SEARCHING"
        general, bulk = starlink_grpc.history_bulk_data(10, context=ctx)
        assert general["samples"] == 10 and bulk["downlink_throughput_bps"] == [0.0] * 10
        assert bulk["pop_ping_drop_rate"] == [1.0] * 10
        assert isinstance(remote, SimulationView)  # the same read interface as the in-process simulation
        for _ in range(3):  # the simulation runs live: compare one slot (retry across a slot boundary)
            here, there = sim.slot_state(), remote.slot_state()
            if here.slot_index == there.slot_index:
                break
            time.sleep(0.6)
        assert there.slot_index == here.slot_index and (there.code == here.code).all()
        assert np.allclose(there.rtt_ms, here.rtt_ms, equal_nan=True) and list(there.path) == list(here.path)
        assert remote.network().gateway_names == sim.network().gateway_names
        with pytest.raises(KeyError):
            DishView(remote, "no-such-terminal")
        with pytest.raises(PermissionError):
            RemoteSimulation(f"http://127.0.0.1:{api_port}", "wrong-key")
    finally:
        for s in servers:
            s.stop(0)
        remote.close()
        server.should_exit = True
        thread.join(timeout=10)


def test_dish_attach_without_a_key_names_the_field(monkeypatch):
    from typer.testing import CliRunner

    from leonet.cli import app

    monkeypatch.delenv("LEONET_ADMIN_KEY", raising=False)
    monkeypatch.delenv("LEONET_API_KEY", raising=False)
    result = CliRunner().invoke(app, ["dish", "serve", "--terminal", "ut-grey-01", "--port", "1",
                                      "--attach", "http://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "api_key" in result.output


def test_dish_ports_pair_with_terminals_or_count_up_by_two():
    from leonet.cli.dish import dish_ports, web_ports

    assert dish_ports(["a", "b", "c"], [9200]) == [9200, 9202, 9204]
    assert web_ports([9200, 9202, 9204], []) == [9201, 9203, 9205]
    assert dish_ports(["a", "b"], [9300, 9210]) == [9300, 9210]
    assert web_ports([9300, 9210], [0, 9999]) == [None, 9999]
    with pytest.raises(ValueError, match="field 'port'"):
        dish_ports(["a", "b", "c"], [9300, 9210])
    with pytest.raises(ValueError, match="its own port"):
        dish_ports(["a", "b"], [9300, 9300])
    with pytest.raises(ValueError, match="1..65535"):
        dish_ports(["a"], [70000])
    with pytest.raises(ValueError, match="field 'web_port'.*clashes"):
        web_ports([9300, 9301], [])
