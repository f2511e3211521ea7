"""The emulated dish against real clients: the community package starlink-grpc-core (module ``starlink_grpc``,
which loads the protocol by server reflection through yagrc), and a plain grpcio reflection client. Values are
checked against the simulation's own state for the same terminal."""

from __future__ import annotations

import socket
from datetime import timedelta

import grpc
import numpy as np
import pytest
import starlink_grpc
from google.protobuf import descriptor_pool, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from leonet.dish.server import DishView, serve
from leonet.sim import Simulation, SimulationView, default_scenario_path, load_scenario

TERMINALS = ("ut-ua-kyiv-01", "ut-grey-01", "ut-spoof-01")


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


@pytest.fixture(scope="module")
def dishes(tmp_path_factory):
    sim = Simulation(load_scenario(default_scenario_path()), f"sqlite:///{tmp_path_factory.mktemp('d') / 'd.sqlite'}")
    for _ in range(4):
        sim.step()
    ports = _free_ports(len(TERMINALS))
    servers = serve([(DishView(sim, s), p) for s, p in zip(TERMINALS, ports, strict=True)])
    yield sim, dict(zip(TERMINALS, ports, strict=True))
    for s in servers:
        s.stop(0)


def _ctx(port):
    return starlink_grpc.ChannelContext(target=f"127.0.0.1:{port}")


def test_served_terminal_through_starlink_grpc(dishes):
    sim, ports = dishes
    truth = sim.terminal("ut-ua-kyiv-01")
    ctx = _ctx(ports["ut-ua-kyiv-01"])
    assert starlink_grpc.get_id(ctx) == "ut-ua-kyiv-01"
    status, obstruction, alerts = starlink_grpc.status_data(ctx)
    assert status["state"] == "CONNECTED"
    assert status["pop_ping_latency_ms"] == pytest.approx(truth.rtt_ms, rel=1e-6)
    assert status["downlink_throughput_bps"] == pytest.approx(truth.downlink_bps, rel=1e-6)
    assert status["direction_elevation"] == pytest.approx(truth.elevation_deg, rel=1e-5)
    assert status["alerts"] == 0 and not any(alerts.values())
    assert starlink_grpc.get_status(ctx).disablement_code == 1  # OKAY
    loc = starlink_grpc.location_data(ctx)
    assert loc["latitude"] == pytest.approx(truth.reported_lat_deg) and loc["longitude"] == pytest.approx(
        truth.reported_lon_deg)
    general, bulk = starlink_grpc.history_bulk_data(30, context=ctx)
    end = sim.now_utc + timedelta(seconds=sim.slot_s)
    hist = sim.seconds("ut-ua-kyiv-01", end - timedelta(seconds=900), end)
    assert general["samples"] == 30
    assert bulk["pop_ping_latency_ms"] == pytest.approx(hist.pop_ping_latency_ms[-30:].tolist(), rel=1e-6)


def test_blocked_country_terminal_through_starlink_grpc(dishes):
    sim, ports = dishes
    ctx = _ctx(ports["ut-grey-01"])
    status, _, alerts = starlink_grpc.status_data(ctx)
    raw = starlink_grpc.get_status(ctx)
    assert raw.disablement_code == 6  # BLOCKED_COUNTRY
    assert status["downlink_throughput_bps"] == 0 and status["uplink_throughput_bps"] == 0
    assert status["state"] == "SEARCHING"  # outage cause NO_SCHEDULE, as the client names it
    assert not raw.is_cell_disabled  # the country is blocked, not the cell (CELL_IS_DISABLED = 8)
    assert sim.terminal("ut-grey-01").code.name == "BLOCKED_COUNTRY"


def test_spoofing_terminal_raises_unexpected_location(dishes):
    sim, ports = dishes
    ctx = _ctx(ports["ut-spoof-01"])
    _, _, alerts = starlink_grpc.status_data(ctx)
    assert alerts["alert_unexpected_location"] is True
    assert "unexpected_location" in sim.terminal("ut-spoof-01").alerts
    loc = starlink_grpc.location_data(ctx)  # the dish reports the spoofed position, as a real one would
    assert loc["latitude"] == pytest.approx(48.46)


def test_plain_grpc_reflection_client_and_unimplemented(dishes):
    _, ports = dishes
    channel = grpc.insecure_channel(f"127.0.0.1:{ports['ut-ua-kyiv-01']}")
    db = ProtoReflectionDescriptorDatabase(channel)
    assert "SpaceX.API.Device.Device" in set(db.get_services())
    pool = descriptor_pool.DescriptorPool(db)
    for name in ("Request", "Response", "DishGetStatusResponse", "DishAlerts", "DishOutage", "DishGpsStats",
                 "DishObstructionStats", "DeviceInfo", "DeviceState"):
        pool.FindMessageTypeByName(f"SpaceX.API.Device.{name}")
    cause = pool.FindMessageTypeByName("SpaceX.API.Device.DishOutage").enum_types_by_name["Cause"]
    assert {"NO_SCHEDULE", "BOOTING", "STOWED", "THERMAL_SHUTDOWN", "NO_SATS", "OBSTRUCTED", "NO_DOWNLINK",
            "NO_PINGS"} <= set(cause.values_by_name)
    assert pool.FindEnumTypeByName("SpaceX.API.Satellites.Network.UtDisablementCode").values_by_name[
        "BLOCKED_AREA"].number == 16
    request_cls = message_factory.GetMessageClass(pool.FindMessageTypeByName("SpaceX.API.Device.Request"))
    response_cls = message_factory.GetMessageClass(pool.FindMessageTypeByName("SpaceX.API.Device.Response"))
    handle = channel.unary_unary("/SpaceX.API.Device.Device/Handle", request_serializer=request_cls.SerializeToString,
                                 response_deserializer=response_cls.FromString)
    req = request_cls()
    req.get_device_info.SetInParent()
    assert handle(req).get_device_info.device_info.id == "ut-ua-kyiv-01"
    reboot = request_cls()
    reboot.reboot.SetInParent()
    with pytest.raises(grpc.RpcError) as err:
        handle(reboot)
    assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED
    req = request_cls()
    req.dish_get_context.SetInParent()
    assert handle(req).dish_get_context.disablement_code == 1
    channel.close()


def test_dish_serve_command_contract(tmp_path):
    import subprocess
    import sys
    import time

    port = _free_ports(1)[0]
    proc = subprocess.Popen([sys.executable, "-m", "leonet", "dish", "serve", "--terminal", "ut-grey-02", "--port",
                             str(port), "--db", f"sqlite:///{tmp_path / 'x.sqlite'}"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while True:
            try:
                ctx = _ctx(port)
                assert starlink_grpc.get_status(ctx).disablement_code == 16  # BLOCKED_AREA
                break
            except (starlink_grpc.GrpcError, grpc.RpcError):
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_dish_attached_to_a_running_simulation_api(tmp_path, monkeypatch):
    """`leonet dish serve --attach URL`: the dish reads a running server's simulation through its REST API."""
    import threading
    import time

    import uvicorn

    from leonet.api.app import create_app
    from leonet.api.routers import sim as sim_router
    from leonet.dish.remote import RemoteSimulation

    monkeypatch.setenv("LEONET_ADMIN_KEY", "attach-key")
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    sim = Simulation(load_scenario(default_scenario_path()), url)
    for _ in range(3):
        sim.step()
    api_port, dish_port = _free_ports(2)
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
        ctx = _ctx(dish_port)
        truth = sim.terminal("ut-grey-01")
        raw = starlink_grpc.get_status(ctx)
        assert raw.disablement_code == int(truth.code) == 6  # BLOCKED_COUNTRY, as the running simulation says
        assert starlink_grpc.get_id(ctx) == "ut-grey-01"
        general, bulk = starlink_grpc.history_bulk_data(10, context=ctx)
        assert general["samples"] == 10
        assert bulk["downlink_throughput_bps"] == [0.0] * 10
        assert isinstance(remote, SimulationView)
        here, there = sim.slot_state(), remote.slot_state()
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
    result = CliRunner().invoke(app, ["dish", "serve", "--terminal", "ut-grey-01", "--port", "1",
                                      "--attach", "http://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "api_key" in result.output


def test_dish_ports_pair_with_terminals_or_count_up():
    from leonet.cli.dish import dish_ports

    assert dish_ports(["a", "b", "c"], [9200]) == [9200, 9201, 9202]
    assert dish_ports(["a", "b"], [9300, 9210]) == [9300, 9210]
    with pytest.raises(ValueError, match="field 'port'"):
        dish_ports(["a", "b", "c"], [9300, 9210])
    with pytest.raises(ValueError, match="its own port"):
        dish_ports(["a", "b"], [9300, 9300])
    with pytest.raises(ValueError, match="1..65535"):
        dish_ports(["a"], [70000])
