"""An emulated user terminal: the dish's local gRPC API (``SpaceX.API.Device.Device/Handle``, plaintext, with
server reflection) answered from a simulated terminal's live state, so community clients work unmodified."""

from __future__ import annotations

import time
from concurrent import futures
from datetime import timedelta

import grpc
from grpc_reflection.v1alpha import reflection

from leonet.dish._generated.spacex_api.device import common_pb2, device_pb2, device_pb2_grpc, dish_pb2
from leonet.dish._generated.spacex_api.satellites.network import ut_disablement_codes_pb2 as codes_pb2
from leonet.sim.interface import SimulationView, outage_runs

API_VERSION = 38
PLAN_CLASS = {"residential": dish_pb2.CONSUMER, "roam": dish_pb2.CONSUMER, "maritime": dish_pb2.BUSINESS,
              "aviation": dish_pb2.COMMERCIAL_AVIATION, "government": dish_pb2.BUSINESS_PLUS}
IMPLEMENTED = ("get_status", "get_history", "get_device_info", "get_location", "dish_get_context",
               "dish_get_obstruction_map")


def _id(serial: str) -> str:
    return serial if serial.startswith("ut") else f"ut{serial}"


class DishView:
    """Turns one simulated terminal's state (any ``leonet.sim.interface.SimulationView``: the in-process
    ``Simulation`` or a ``RemoteSimulation``) into the dish's protocol messages."""

    HISTORY_S = 900

    def __init__(self, sim: SimulationView, serial: str):
        self.sim = sim
        self.serial = serial
        sim.terminal(serial)  # KeyError now, not on the first request

    def device_info(self, t) -> common_pb2.DeviceInfo:
        return common_pb2.DeviceInfo(id=_id(t.serial), hardware_version=t.hardware_version or "rev4_prod2",
                                     software_version=t.software_version or "leonet-sim",
                                     country_code=t.country_code, utc_offset_s=0, build_id="leonet")

    def status(self) -> dish_pb2.DishGetStatusResponse:
        t = self.sim.terminal(self.serial)
        msg = dish_pb2.DishGetStatusResponse(
            device_info=self.device_info(t), device_state=common_pb2.DeviceState(uptime_s=int(t.uptime_s)),
            seconds_to_first_nonempty_slot=0.0 if t.served else -1.0,
            pop_ping_drop_rate=float(t.drop_rate), downlink_throughput_bps=float(t.downlink_bps),
            uplink_throughput_bps=float(t.uplink_bps or 0.0), pop_ping_latency_ms=float(t.rtt_ms or 0.0),
            boresight_azimuth_deg=float(t.azimuth_deg or 0.0), boresight_elevation_deg=float(t.elevation_deg or 0.0),
            alerts=dish_pb2.DishAlerts(unexpected_location="unexpected_location" in t.alerts,
                                       roaming="roaming" in t.alerts),
            gps_stats=dish_pb2.DishGpsStats(gps_valid=t.position_source == "GPS",
                                            gps_sats=12 if t.position_source == "GPS" else 0,
                                            inhibit_gps=False),
            obstruction_stats=dish_pb2.DishObstructionStats(fraction_obstructed=0.0, valid_s=float(t.uptime_s),
                                                            currently_obstructed=False),
            eth_speed_mbps=1000, mobility_class=dish_pb2.MOBILE if t.speed_kmh > 0 else dish_pb2.STATIONARY,
            is_snr_above_noise_floor=t.served, class_of_service=PLAN_CLASS.get(t.plan, 0),
            disablement_code=int(t.code), is_cell_disabled=int(t.code) == codes_pb2.CELL_IS_DISABLED,
            is_moving_fast_persisted=t.speed_kmh > 160)
        if not t.served:
            cause = dish_pb2.DishOutage.Cause.Value(t.outage_cause or "NO_SCHEDULE")
            start_ns = int((self.sim.now_utc.timestamp()) * 1e9)
            msg.outage.CopyFrom(dish_pb2.DishOutage(cause=cause, start_timestamp_ns=start_ns,
                                                    duration_ns=int(self.sim.slot_s * 1e9)))
        return msg

    def history(self) -> dish_pb2.DishGetHistoryResponse:
        """The last 15 minutes of 1-s samples up to the end of the current slot (the dish's ring buffer)."""
        end = self.sim.now_utc + timedelta(seconds=self.sim.slot_s)
        h = self.sim.seconds(self.serial, end - timedelta(seconds=self.HISTORY_S), end)
        nz = lambda a: [0.0 if v != v else float(v) for v in a]  # noqa: E731 - NaN → 0 (dish convention)
        outages = [dish_pb2.DishOutage(cause=dish_pb2.DishOutage.Cause.Value(c),
                                       start_timestamp_ns=int(s.timestamp() * 1e9), duration_ns=int(d * 1e9))
                   for s, d, c in outage_runs(h)]
        current = int((h.t_utc[-1] - self.sim.start_utc).total_seconds()) + 1 if len(h) else 0
        return dish_pb2.DishGetHistoryResponse(
            current=current, pop_ping_drop_rate=nz(h.pop_ping_drop_rate), pop_ping_latency_ms=nz(h.pop_ping_latency_ms),
            downlink_throughput_bps=nz(h.downlink_mbps * 1e6), uplink_throughput_bps=nz(h.uplink_mbps * 1e6),
            outages=outages)

    def location(self) -> device_pb2.GetLocationResponse:
        t = self.sim.terminal(self.serial)
        if t.reported_lat_deg is None:
            return device_pb2.GetLocationResponse(source=common_pb2.NONE)
        return device_pb2.GetLocationResponse(
            lla=common_pb2.LLAPosition(lat=t.reported_lat_deg, lon=t.reported_lon_deg, alt=t.alt_m),
            source=common_pb2.GPS, sigma_m=5.0, horizontal_speed_mps=t.speed_kmh / 3.6)

    def context(self) -> dish_pb2.DishGetContextResponse:
        t = self.sim.terminal(self.serial)
        cell = int(t.cell_h3, 16) & 0xFFFFFFFF if t.cell_h3 else 0
        net = self.sim.network()
        gw = net.gateway_names.index(t.gateway) if t.gateway in net.gateway_names else 0
        pops = list(net.pop_names)
        return dish_pb2.DishGetContextResponse(
            device_info=self.device_info(t), device_state=common_pb2.DeviceState(uptime_s=int(t.uptime_s)),
            cell_id=cell, pop_rack_id=pops.index(t.pop) + 1 if t.pop in pops else 0,
            seconds_to_slot_end=float(t.seconds_to_slot_end), initial_satellite_id=int(t.satellite or 0),
            initial_gateway_id=gw + 1 if t.gateway else 0, pop_ping_latency_ms_15s_mean=float(t.rtt_ms or 0.0),
            pop_ping_drop_rate_15s_mean=float(t.drop_rate), disablement_code=int(t.code))

    def obstruction_map(self) -> dish_pb2.DishGetObstructionMapResponse:
        rows = cols = 123  # the dish's map size; an unobstructed sky: every cell seen, SNR 1
        return dish_pb2.DishGetObstructionMapResponse(num_rows=rows, num_cols=cols, snr=[1.0] * (rows * cols),
                                                      min_elevation_deg=25.0, max_theta_deg=65.0,
                                                      map_reference_frame=dish_pb2.FRAME_EARTH)


class DeviceService(device_pb2_grpc.DeviceServicer):
    def __init__(self, view: DishView):
        self.view = view

    def Handle(self, request, context):  # noqa: N802 - gRPC method name
        kind = request.WhichOneof("request")
        v = self.view
        resp = device_pb2.Response(id=request.id, api_version=API_VERSION)
        if kind == "get_status":
            resp.dish_get_status.CopyFrom(v.status())
        elif kind == "get_history":
            resp.dish_get_history.CopyFrom(v.history())
        elif kind == "get_device_info":
            resp.get_device_info.CopyFrom(device_pb2.GetDeviceInfoResponse(device_info=v.device_info(
                v.sim.terminal(v.serial))))
        elif kind == "get_location":
            resp.get_location.CopyFrom(v.location())
        elif kind == "dish_get_context":
            resp.dish_get_context.CopyFrom(v.context())
        elif kind == "dish_get_obstruction_map":
            resp.dish_get_obstruction_map.CopyFrom(v.obstruction_map())
        else:
            context.abort(grpc.StatusCode.UNIMPLEMENTED, f"leonet's emulated dish does not implement {kind}")
        return resp


def serve(views: list[tuple[DishView, int]], host: str = "127.0.0.1") -> list[grpc.Server]:
    """Start one plaintext gRPC server (with reflection) per (view, port)."""
    servers = []
    names = (device_pb2.DESCRIPTOR.services_by_name["Device"].full_name, reflection.SERVICE_NAME)
    for view, port in views:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        device_pb2_grpc.add_DeviceServicer_to_server(DeviceService(view), server)
        reflection.enable_server_reflection(names, server)
        if server.add_insecure_port(f"{host}:{port}") == 0:
            raise OSError(f"cannot listen on {host}:{port}")
        server.start()
        servers.append(server)
    return servers


def wait_forever(servers: list[grpc.Server]) -> None:
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        for s in servers:
            s.stop(1)


__all__ = ["DishView", "DeviceService", "serve", "IMPLEMENTED", "codes_pb2"]
