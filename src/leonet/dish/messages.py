"""The dish's protocol messages built from one dish's telemetry (``DishTelemetry``): status, history, context,
location, obstruction map, diagnostics — every value read from the same ring buffers and terminal view."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import h3

from leonet.access.codes import DisablementCode
from leonet.dish import gnss, models
from leonet.dish.protocol import common_pb2, device_pb2, dish_pb2, rate_pb2
from leonet.dish.telemetry import DishTelemetry
from leonet.dish.timebase import HISTORY_N

PLAN_CLASS = {"residential": dish_pb2.CONSUMER, "roam": dish_pb2.CONSUMER, "maritime": dish_pb2.BUSINESS,
              "aviation": dish_pb2.COMMERCIAL_AVIATION, "government": dish_pb2.BUSINESS_PLUS}
ETH_SPEED_MBPS = 1000  # the dish's gigabit Ethernet port (link speed, a hardware property, not traffic)
OUTAGE_WINDOWS_S = (1, 2, 5, 15, 60)  # DishGetContextResponse.seconds_since_last_{N}s_outage


def _ns(t: datetime) -> int:
    return int(round(t.timestamp() * 1e9))


def _dish_id(serial: str) -> str:
    return serial if serial.startswith("ut") else f"ut{serial}"


def cell_id(cell_h3: str | None) -> int:
    """The H3 cell as a 32-bit id: the H3 index without its unused trailing digits (``index >> 3·(15 − res)``),
    which ``(cell_id << 3·(15 − res)) | (2^(3·(15 − res)) − 1)`` turns back into the index (res ≤ 5 fits)."""
    if not cell_h3:
        return 0
    shift = 3 * (15 - h3.get_resolution(cell_h3))
    return (int(cell_h3, 16) >> shift) & 0xFFFFFFFF


def device_info(d: DishTelemetry, t=None) -> common_pb2.DeviceInfo:
    t = t or d.terminal_now()
    return common_pb2.DeviceInfo(id=_dish_id(t.serial), hardware_version=t.hardware_version or "rev4_prod2",
                                 software_version=t.software_version or "leonet-sim", country_code=t.country_code,
                                 utc_offset_s=0, bootcount=d.settings.reboots + 1, build_id="leonet")


def _alerts(d: DishTelemetry, t, now: datetime) -> dish_pb2.DishAlerts:
    return dish_pb2.DishAlerts(unexpected_location="unexpected_location" in t.alerts, roaming="roaming" in t.alerts,
                               is_power_save_idle=d.settings.sleeping(now),
                               obstruction_map_reset=d.settings.map_cleared_utc is not None and
                               (now - d.settings.map_cleared_utc).total_seconds() < HISTORY_N)


def _outage(run) -> dish_pb2.DishOutage:
    start, dur_s, cause = run
    return dish_pb2.DishOutage(cause=dish_pb2.DishOutage.Cause.Value(cause), start_timestamp_ns=_ns(start),
                               duration_ns=int(round(dur_s * 1e9)))


def _finite(v, default: float = 0.0) -> float:
    return float(v) if v is not None and math.isfinite(v) else default


def status(d: DishTelemetry) -> dish_pb2.DishGetStatusResponse:
    now = d.flush()
    t = d.terminal_now()
    last = d.hist.last or {}
    code = int(t.code)
    up = bool(last) and not last.get("cause")
    gps_ok = t.position_source == "GPS" and not d.settings.inhibit_gps
    az, el = _finite(last.get("az_deg")), _finite(last.get("el_deg"))
    msg = dish_pb2.DishGetStatusResponse(
        device_info=device_info(d, t), device_state=common_pb2.DeviceState(uptime_s=d.uptime_s(now)),
        alerts=_alerts(d, t, now), seconds_to_first_nonempty_slot=0.0 if up else -1.0,
        pop_ping_drop_rate=float(last.get("drop_rate", 1.0)),
        downlink_throughput_bps=float(last.get("downlink_bps", 0.0)),
        uplink_throughput_bps=float(last.get("uplink_bps", 0.0)),
        pop_ping_latency_ms=float(last.get("latency_ms", 0.0)),
        gps_stats=dish_pb2.DishGpsStats(gps_valid=gps_ok, inhibit_gps=d.settings.inhibit_gps,
                                        gps_sats=gnss.in_view(t.true_lat_deg, t.true_lon_deg, t.alt_m, now)
                                        if gps_ok else 0),
        obstruction_stats=dish_pb2.DishObstructionStats(
            fraction_obstructed=d.obstruction_fraction(), currently_obstructed=last.get("cause") == "OBSTRUCTED",
            valid_s=float(min(d.hist.count, HISTORY_N))),
        stow_requested=d.settings.stowed, boresight_azimuth_deg=az, boresight_elevation_deg=el,
        alignment_stats=dish_pb2.AlignmentStats(boresight_azimuth_deg=az, boresight_elevation_deg=el,
                                                desired_boresight_azimuth_deg=az,
                                                desired_boresight_elevation_deg=el),
        eth_speed_mbps=ETH_SPEED_MBPS,
        mobility_class=dish_pb2.MOBILE if t.speed_kmh > 0 else dish_pb2.STATIONARY,
        is_snr_above_noise_floor=up, class_of_service=PLAN_CLASS.get(t.plan, 0), disablement_code=code,
        is_cell_disabled=code == DisablementCode.CELL_IS_DISABLED,
        is_moving_fast_persisted=code == DisablementCode.MOVING_TOO_FAST_FOR_POLICY,
        config=d.settings.get_config())
    # a sandboxed (over-cap) account's dish reports its bandwidth restricted by the overage limit
    limit = rate_pb2.OVERAGE_LIMIT if code == DisablementCode.DATA_OVERAGE_SANDBOX_POLICY else rate_pb2.NO_LIMIT
    msg.dl_bandwidth_restricted_reason = msg.ul_bandwidth_restricted_reason = limit
    run = d.hist.current_outage()
    if run is None and d.hist.count == 0:  # no second written since (re)boot: still booting
        run = (d.settings.boot_utc, (now - d.settings.boot_utc).total_seconds(), "BOOTING")
    if run is not None:
        msg.outage.CopyFrom(_outage(run))
    return msg


_REASONS = dict(common_pb2.EventReason.items())


def _event(run) -> common_pb2.UXEvent:
    """An outage as the dish's event log lists it (a 2025.06 dish: severity WARNING, reason
    EVENT_REASON_OUTAGE_<cause>; clarkzjw/starlink-grpc-golang CHANGELOG.md, entry 2025.06.10.mr57444.1)."""
    start, dur_s, cause = run
    reason = _REASONS.get(f"EVENT_REASON_OUTAGE_{cause}", _REASONS["EVENT_REASON_OUTAGE_UNKNOWN"])
    return common_pb2.UXEvent(severity=common_pb2.EVENT_SEVERITY_WARNING, reason=reason,
                              start_timestamp_ns=_ns(start), duration_ns=int(round(dur_s * 1e9)))


def history(d: DishTelemetry) -> dish_pb2.DishGetHistoryResponse:
    now = d.flush()
    h = d.hist
    return dish_pb2.DishGetHistoryResponse(
        current=h.count, pop_ping_drop_rate=h.buf["drop_rate"].tolist(),
        pop_ping_latency_ms=h.buf["latency_ms"].tolist(), downlink_throughput_bps=h.buf["downlink_bps"].tolist(),
        uplink_throughput_bps=h.buf["uplink_bps"].tolist(), power_in=h.buf["power_w"].tolist(),
        outages=[_outage(run) for run in h.outages],
        event_log=common_pb2.EventLog(events=[_event(run) for run in h.outages], current_timestamp_ns=_ns(now),
                                      start_timestamp_ns=_ns(h.boot_utc)))


def context(d: DishTelemetry) -> dish_pb2.DishGetContextResponse:
    now = d.flush()
    t = d.terminal_now()
    net = d.network()
    gw = net.gateway_names.index(t.gateway) + 1 if t.gateway in net.gateway_names else 0
    pop = net.pop_names.index(t.pop) + 1 if t.pop in net.pop_names else 0
    last = d.hist.last or {}
    msg = dish_pb2.DishGetContextResponse(
        device_info=device_info(d, t), device_state=common_pb2.DeviceState(uptime_s=d.uptime_s(now)),
        obstruction_fraction=d.obstruction_fraction(), obstruction_valid_s=float(min(d.hist.count, HISTORY_N)),
        obstruction_current=last.get("cause") == "OBSTRUCTED", cell_id=cell_id(t.cell_h3), pop_rack_id=pop,
        initial_satellite_id=int(t.satellite) if t.satellite is not None else 0, initial_gateway_id=gw,
        seconds_to_slot_end=d.seconds_to_slot_end(now),
        pop_ping_drop_rate_15s_mean=d.mean_15s("drop_rate"), pop_ping_latency_ms_15s_mean=d.mean_15s("latency_ms"),
        disablement_code=int(t.code))
    for n in OUTAGE_WINDOWS_S:
        setattr(msg, f"seconds_since_last_{n}s_outage", d.hist.seconds_since_outage(now, n))
    hour_ago = now - timedelta(hours=1)
    for n in (1, 2, 5):
        setattr(msg, f"outage_{n}s_within_1h", any(dur >= n and s + timedelta(seconds=dur) > hour_ago
                                                    for s, dur, _c in d.hist.outages))
    return msg


def location(d: DishTelemetry) -> device_pb2.GetLocationResponse:
    """Where the dish puts itself: its GPS fix, or with GPS inhibited (or jammed) the position the network side
    estimates from Starlink signals (PositionSource STARLINK); NONE when it has neither."""
    t = d.terminal_now()
    speed = t.speed_kmh / 3.6
    if t.position_source == "GPS" and not d.settings.inhibit_gps and t.reported_lat_deg is not None:
        return device_pb2.GetLocationResponse(
            lla=common_pb2.LLAPosition(lat=t.reported_lat_deg, lon=t.reported_lon_deg, alt=t.alt_m),
            source=device_pb2.GPS, horizontal_speed_mps=speed)
    if t.estimated_lat_deg is not None:
        return device_pb2.GetLocationResponse(
            lla=common_pb2.LLAPosition(lat=t.estimated_lat_deg, lon=t.estimated_lon_deg, alt=t.alt_m),
            source=device_pb2.STARLINK, sigma_m=_finite(t.ellipse_major_km) * 1000.0, horizontal_speed_mps=speed)
    return device_pb2.GetLocationResponse(source=device_pb2.NONE)


def obstruction_map(d: DishTelemetry) -> dish_pb2.DishGetObstructionMapResponse:
    grid = d.obstruction_map()
    return dish_pb2.DishGetObstructionMapResponse(
        num_rows=models.MAP_N, num_cols=models.MAP_N, snr=grid.ravel().tolist(),
        min_elevation_deg=90.0 - models.MAX_THETA_DEG, max_theta_deg=models.MAX_THETA_DEG,
        map_reference_frame=dish_pb2.FRAME_EARTH)


def diagnostics(d: DishTelemetry) -> device_pb2.DishGetDiagnosticsResponse:
    now = d.flush()
    t = d.terminal_now()
    diag = device_pb2.DishGetDiagnosticsResponse
    last = d.hist.last or {}
    msg = diag(id=_dish_id(t.serial), hardware_version=t.hardware_version or "rev4_prod2",
               software_version=t.software_version or "leonet-sim", utc_offset_s=0,
               hardware_self_test=diag.PASSED, disablement_code=int(t.code), stowed=d.settings.stowed,
               alerts=diag.Alerts(obstructed=last.get("cause") == "OBSTRUCTED"),
               alignment_stats=diag.AlignmentStats(boresight_azimuth_deg=_finite(last.get("az_deg")),
                                                   boresight_elevation_deg=_finite(last.get("el_deg"))),
               overage_rate_limited=int(t.code) == DisablementCode.DATA_OVERAGE_SANDBOX_POLICY)
    loc = diag.Location(enabled=d.settings.location_allowed())
    if loc.enabled:
        fix = location(d)
        if fix.source != device_pb2.NONE:
            loc.latitude, loc.longitude, loc.altitude_meters = fix.lla.lat, fix.lla.lon, fix.lla.alt
            loc.uncertainty_meters_valid = fix.sigma_m > 0
            loc.uncertainty_meters = fix.sigma_m
            loc.gps_time_s = now.timestamp() - 315964800.0 + 18.0  # GPS epoch 1980-01-06, 18 leap seconds (2017-)
    msg.location.CopyFrom(loc)
    return msg
