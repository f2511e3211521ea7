"""The emulated dish against real clients, unmodified: the community package starlink-grpc-core (module
``starlink_grpc``, which loads the protocol by server reflection through yagrc) for every public function it offers,
Home Assistant's coordinator call sequence, grpcio's reflection client. Values are checked against the simulation's
own per-second samples (``SimulationView.seconds``) for the same terminal and second."""

from __future__ import annotations

import time
from datetime import timedelta

import grpc
import numpy as np
import pytest
import starlink_grpc

from leonet.dish.protocol import device_pb2, device_pb2_grpc, dish_config_pb2


def ctx(dishes, serial):
    return starlink_grpc.ChannelContext(target=f"127.0.0.1:{dishes[1][serial][0]}")


def handle(dishes, serial, **kw):
    with grpc.insecure_channel(f"127.0.0.1:{dishes[1][serial][0]}") as ch:
        return device_pb2_grpc.DeviceStub(ch).Handle(device_pb2.Request(**kw), timeout=10)


def sim_second(sim, serial, counter, view):
    """The simulation's own sample for the dish's second ``counter`` (the independent reference)."""
    t = view.hist.boot_utc + timedelta(seconds=counter)
    return sim.seconds(serial, t, t + timedelta(seconds=1))


def test_status_and_history_read_the_same_second_as_the_simulation(dishes):
    sim, _, views = dishes
    c = ctx(dishes, "ut-ua-kyiv-01")
    assert starlink_grpc.get_id(c) == "ut-ua-kyiv-01"
    for _ in range(5):  # status and history from one second (retry if a second passes between the two reads)
        status, _, alerts = starlink_grpc.status_data(c)
        hist = starlink_grpc.get_history(c)
        if hist.current == status["uptime"]:
            break
    assert status["state"] == "CONNECTED"
    last = (hist.current - 1) % 900
    assert status["pop_ping_latency_ms"] == pytest.approx(hist.pop_ping_latency_ms[last])
    assert status["pop_ping_drop_rate"] == hist.pop_ping_drop_rate[last]
    ref = sim_second(sim, "ut-ua-kyiv-01", hist.current - 1, views["ut-ua-kyiv-01"])
    assert hist.pop_ping_latency_ms[last] == pytest.approx(ref.pop_ping_latency_ms[0], rel=1e-6)
    assert hist.pop_ping_drop_rate[last] == pytest.approx(np.nan_to_num(ref.pop_ping_drop_rate[0]))
    assert hist.downlink_throughput_bps[last] == pytest.approx(np.nan_to_num(ref.downlink_mbps[0]) * 1e6, rel=1e-6)
    assert status["direction_elevation"] == pytest.approx(ref.el_deg[0], rel=1e-5)
    assert status["alerts"] == 0 and not any(alerts.values())
    assert 75.0 <= hist.power_in[last] <= 100.0  # a Standard dish in use (published 75–100 W)
    raw = starlink_grpc.get_status(c)
    assert raw.disablement_code == 1 and not raw.is_moving_fast_persisted
    assert raw.dl_bandwidth_restricted_reason == raw.ul_bandwidth_restricted_reason == 1  # NO_LIMIT
    assert 4 <= status["gps_sats"] <= 12  # the GPS baseline constellation above 5° (docs/dish.md)
    context = handle(dishes, "ut-ua-kyiv-01", dish_get_context={}).dish_get_context
    now = views["ut-ua-kyiv-01"].now_utc()
    slot_end = now + timedelta(seconds=context.seconds_to_slot_end)
    assert 0 < context.seconds_to_slot_end <= 15
    assert slot_end.second in (11, 12, 26, 27, 41, 42, 56, 57)  # slots start at :12, :27, :42, :57
    assert context.cell_id << 30 | (1 << 30) - 1 == int(sim.terminal("ut-ua-kyiv-01").cell_h3, 16)  # res-5 H3


def test_history_is_a_ring_buffer_that_changes_only_new_indices(dishes):
    c = ctx(dishes, "ut-ua-kharkiv-01")
    a = starlink_grpc.get_history(c)
    time.sleep(1.2)
    b = starlink_grpc.get_history(c)
    assert b.current > a.current
    new = {k % 900 for k in range(a.current, b.current)}
    for name in ("pop_ping_latency_ms", "pop_ping_drop_rate", "downlink_throughput_bps", "power_in"):
        old, now = np.array(getattr(a, name)), np.array(getattr(b, name))
        assert len(now) == 900
        changed = set(np.flatnonzero(old != now).tolist())
        assert changed <= new, name


def test_history_bulk_and_stats(dishes):
    c = ctx(dishes, "ut-ua-kyiv-01")
    general, bulk = starlink_grpc.history_bulk_data(-1, context=c)
    assert general["samples"] == min(general["end_counter"], 900) > 30
    assert len(bulk["pop_ping_latency_ms"]) == general["samples"]
    stats = starlink_grpc.history_stats(-1, context=c)
    ping = stats[1]
    assert stats[0]["samples"] == general["samples"] or stats[0]["samples"] == general["samples"] + 1
    assert ping["total_ping_drop"] < general["samples"]  # served: most seconds drop nothing
    assert stats[6]["latest_power"] > 0  # PowerDict from power_in


def test_blocked_terminal_looks_like_a_blocked_dish(dishes):
    c = ctx(dishes, "ut-grey-01")
    status, _, _ = starlink_grpc.status_data(c)
    raw = starlink_grpc.get_status(c)
    assert raw.disablement_code == 6  # BLOCKED_COUNTRY
    assert status["state"] == "SEARCHING"  # outage cause NO_SCHEDULE, as the client names it
    assert status["downlink_throughput_bps"] == 0 and status["pop_ping_drop_rate"] == 1.0
    assert not raw.is_cell_disabled
    hist = starlink_grpc.get_history(c)
    assert raw.outage.start_timestamp_ns == hist.outages[-1].start_timestamp_ns  # one outage, status and history
    assert hist.outages[-1].duration_ns >= raw.outage.duration_ns - int(2e9)
    event = hist.event_log.events[-1]  # the same outage in the event log, as 2025+ firmware lists it
    assert event.start_timestamp_ns == raw.outage.start_timestamp_ns
    assert event.reason == 5 and event.severity == 1  # EVENT_REASON_OUTAGE_NO_SCHEDULE, EVENT_SEVERITY_WARNING
    ctx_resp = handle(dishes, "ut-grey-01", dish_get_context={}).dish_get_context
    assert ctx_resp.disablement_code == 6 and ctx_resp.pop_ping_drop_rate_15s_mean == 1.0


def test_drone_over_the_speed_limit_is_moving_fast_persisted(dishes):
    raw = starlink_grpc.get_status(ctx(dishes, "ut-drone-01"))
    assert raw.disablement_code == 14  # MOVING_TOO_FAST_FOR_POLICY
    assert raw.is_moving_fast_persisted


def test_spoofing_terminal_raises_unexpected_location(dishes):
    _, _, alerts = starlink_grpc.status_data(ctx(dishes, "ut-spoof-01"))
    assert alerts["alert_unexpected_location"] is True


def test_location_is_refused_until_local_access_is_enabled(dishes):
    sim = dishes[0]
    c = ctx(dishes, "ut-spoof-01")
    assert starlink_grpc.location_data(c)["latitude"] is None  # the client's answer to PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as err:
        handle(dishes, "ut-spoof-01", get_location={})
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    cfg = dish_config_pb2.DishConfig(location_request_mode=dish_config_pb2.DishConfig.LOCAL,
                                     apply_location_request_mode=True)
    out = handle(dishes, "ut-spoof-01", dish_set_config={"dish_config": cfg}).dish_set_config
    assert out.updated_dish_config.location_request_mode == dish_config_pb2.DishConfig.LOCAL
    loc = starlink_grpc.location_data(c)  # the dish reports the spoofed position, as a real one would
    assert loc["latitude"] == pytest.approx(sim.terminal("ut-spoof-01").reported_lat_deg)
    diag = handle(dishes, "ut-spoof-01", get_diagnostics={}).dish_get_diagnostics
    assert diag.location.enabled and diag.location.latitude == pytest.approx(loc["latitude"])


def test_obstruction_map_has_no_data_outside_the_sky_circle(dishes):
    rows = starlink_grpc.obstruction_map(ctx(dishes, "ut-ua-kyiv-01"))
    grid = np.array(rows)
    assert grid.shape == (123, 123)
    assert grid[0, 0] == -1.0 and grid[0, -1] == -1.0 and grid[-1, 0] == -1.0
    assert (grid == 1.0).sum() >= 1  # the cells the serving satellites crossed are seen and clear
    assert set(np.unique(grid)) <= {-1.0, 0.0, 1.0}


def test_config_stow_sleep_gps_reboot_and_map_reset(dishes):
    """Home Assistant's coordinator, then its actions, through starlink_grpc (HA core, homeassistant/components/
    starlink/coordinator.py: status, location, sleep config, status, history_stats from the last end_counter)."""
    c = ctx(dishes, "ut-ua-kharkiv-01")
    start = None
    for _ in range(2):
        starlink_grpc.status_data(c)
        starlink_grpc.location_data(c)
        sleep = starlink_grpc.get_sleep_config(c)
        status, _, _ = starlink_grpc.status_data(c)
        index, *_ = starlink_grpc.history_stats(parse_samples=-1 if start is not None else 1, start=start, context=c)
        if start is not None:
            assert index["samples"] == index["end_counter"] - start
        start = index["end_counter"]
        time.sleep(1.1)
    assert sleep == (0, 0, False) and status["state"] == "CONNECTED"

    now = starlink_grpc.get_status(c)  # sleep from this minute (UTC, simulation time) for an hour
    t = dishes[2]["ut-ua-kharkiv-01"].now_utc()
    minute = t.hour * 60 + t.minute
    starlink_grpc.set_sleep_config(minute, 60, True, c)
    assert starlink_grpc.get_sleep_config(c) == (minute, 60, True)
    time.sleep(1.1)
    status, _, alerts = starlink_grpc.status_data(c)
    assert status["state"] == "SLEEPING" and alerts["alert_is_power_save_idle"]
    hist = starlink_grpc.get_history(c)
    assert status["downlink_throughput_bps"] == 0
    assert hist.power_in[(hist.current - 1) % 900] == 20.0  # a Standard dish idles at ~20 W
    starlink_grpc.set_sleep_config(0, 1, False, c)
    with pytest.raises(starlink_grpc.GrpcError):
        starlink_grpc.set_sleep_config(10, 0, True, c)  # a zero-minute window is refused

    assert starlink_grpc.set_gps_config(False, c) is False
    assert starlink_grpc.status_data(c)[0]["gps_enabled"] is False
    starlink_grpc.set_gps_config(True, c)

    starlink_grpc.set_stow_state(False, c)
    time.sleep(1.1)
    status = starlink_grpc.status_data(c)[0]
    assert status["state"] == "STOWED" and starlink_grpc.get_status(c).stow_requested
    starlink_grpc.set_stow_state(True, c)
    time.sleep(1.1)
    assert starlink_grpc.status_data(c)[0]["state"] == "CONNECTED"

    starlink_grpc.reset_obstruction_map(c)
    grid = np.array(starlink_grpc.obstruction_map(c))
    assert (grid == 1.0).sum() <= 2  # emptied (a second may have passed since)
    assert starlink_grpc.status_data(c)[1]["valid_s"] is not None

    before = now.device_state.uptime_s
    starlink_grpc.reboot(c)
    status = starlink_grpc.status_data(c)[0]
    assert status["uptime"] < before and status["state"] == "BOOTING"
    assert starlink_grpc.get_history(c).current <= 2  # the counter starts again


def test_reflection_v1_and_v1alpha_serve_json_name(dishes):
    from google.protobuf import descriptor_pb2
    from grpc_reflection.v1alpha import reflection_pb2 as refl
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

    port = dishes[1]["ut-ua-kyiv-01"][0]
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        db = ProtoReflectionDescriptorDatabase(ch)  # v1alpha, grpcio's own client
        services = set(db.get_services())
        assert {"SpaceX.API.Device.Device", "grpc.reflection.v1.ServerReflection",
                "grpc.reflection.v1alpha.ServerReflection"} <= services
        fdp = db.FindFileContainingSymbol("SpaceX.API.Device.Request")
        assert all(f.json_name for m in fdp.message_type for f in m.field)
        req = {m.name: m for m in fdp.message_type}["Request"]
        assert {f.name: f.json_name for f in req.field}["get_history"] == "getHistory"
        # v1 (what grpcurl and yagrc try first): same messages on the v1 service path
        v1 = ch.stream_stream("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                              request_serializer=refl.ServerReflectionRequest.SerializeToString,
                              response_deserializer=refl.ServerReflectionResponse.FromString)
        answers = list(v1(iter([refl.ServerReflectionRequest(list_services=""),
                                refl.ServerReflectionRequest(file_containing_symbol="SpaceX.API.Device.Response")]),
                          timeout=10))
        assert "SpaceX.API.Device.Device" in {s.name for s in answers[0].list_services_response.service}
        files = [descriptor_pb2.FileDescriptorProto.FromString(b)
                 for b in answers[1].file_descriptor_response.file_descriptor_proto]
        resp = {m.name: m for f in files for m in f.message_type}["Response"]
        assert {f.name: f.json_name for f in resp.field}["dish_get_history"] == "dishGetHistory"


def test_stream_rpc_answers_each_request_in_order(dishes):
    port = dishes[1]["ut-ua-kyiv-01"][0]
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        out = list(device_pb2_grpc.DeviceStub(ch).Stream(iter([
            device_pb2.ToDevice(request=device_pb2.Request(id=7, get_device_info={})),
            device_pb2.ToDevice(health_check={}),
            device_pb2.ToDevice(request=device_pb2.Request(id=8, wifi_get_clients={})),
            device_pb2.ToDevice(request=device_pb2.Request(id=9, get_status={}))]), timeout=10))
    assert out[0].response.id == 7 and out[0].response.get_device_info.device_info.id == "ut-ua-kyiv-01"
    assert out[1].WhichOneof("message") == "health_check"
    assert out[2].response.status.code == grpc.StatusCode.UNIMPLEMENTED.value[0]
    assert "wifi_get_clients" in out[2].response.status.message
    assert out[3].response.dish_get_status.device_info.id == "ut-ua-kyiv-01"


def test_unimplemented_requests_name_themselves(dishes):
    with pytest.raises(grpc.RpcError) as err:
        handle(dishes, "ut-ua-kyiv-01", dish_activate_rssi_scan={})
    assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "dish_activate_rssi_scan" in err.value.details() and "None" not in err.value.details()


def test_scenario_obstructions_block_the_sky_and_show_on_the_map(dishes):
    """A terminal whose whole sky is behind an obstruction (scenario ``obstructions``): every second OBSTRUCTED,
    the cells its satellites crossed drawn obstructed (0), everything else no data (−1)."""
    from leonet.dish import messages
    from leonet.dish.server import DishView

    sim = dishes[0]
    view = DishView(sim, "ut-ua-kyiv-01", obstructions=[(0.0, 359.9, 90.0)])
    status = messages.status(view)
    assert dish_outage_name(status.outage.cause) == "OBSTRUCTED"
    assert status.obstruction_stats.currently_obstructed and status.pop_ping_drop_rate == 1.0
    assert status.obstruction_stats.fraction_obstructed > 0.9  # the booting seconds are not obstruction
    grid = np.array(messages.obstruction_map(view).snr)
    assert (grid == 0.0).sum() >= 1 and (grid == 1.0).sum() == 0
    assert messages.context(view).obstruction_current


def dish_outage_name(cause: int) -> str:
    from leonet.dish.protocol import dish_pb2

    return dish_pb2.DishOutage.Cause.Name(cause)
