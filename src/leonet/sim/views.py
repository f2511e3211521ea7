"""Views of the running simulation built from one slot's arrays: the ``SlotState`` snapshot and one terminal's
``TerminalView`` (leonet.sim.interface)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leonet.access.codes import DisablementCode as C
from leonet.scheduler.cells import cell_names
from leonet.scheduler.slots import Assignment
from leonet.sim.history import outage_cause
from leonet.sim.interface import SlotState, TerminalView


@dataclass(frozen=True)
class SlotArrays:
    """Everything one slot produced, per terminal (M,), beyond ``SlotState``: heading, cells, the network's
    location-check state, the current country, the path label after the terminal, and the reasons."""

    state: SlotState
    heading_deg: np.ndarray
    cells: np.ndarray
    est_lat: np.ndarray
    est_lon: np.ndarray
    major_km: np.ndarray
    minor_km: np.ndarray
    angle_deg: np.ndarray
    country: np.ndarray
    path_suffix: np.ndarray  # (M,) object 'sat-…-gateway-pop', None unserved
    path_id: np.ndarray
    reasons_of: object  # callable i -> list[str]


def _fin(v) -> float | None:
    return None if not np.isfinite(v) else float(v)


def _radio(col, i: int, fallback) -> float:
    """The radio model's value for terminal i, or ``fallback`` when the snapshot has no radio model."""
    return float(col[i]) if col is not None else float(fallback)


def _opt(col, i: int) -> float | None:
    return None if col is None else _fin(col[i])


def terminal_view(arr: SlotArrays, i: int, meta: dict, gateway_names: tuple[str, ...], alt_km: float,
                  gps: str, label: str, t_in_slot_s: float) -> TerminalView:
    st = arr.state
    served = bool(st.sat[i] >= 0 and arr.path_id[i] >= 0)
    code = C(int(st.code[i])) if st.slot_index >= 0 else C.UNKNOWN_STATE
    alerts = set()
    if st.unexpected_location[i]:
        alerts.add("unexpected_location")
    if meta["country_code"] and arr.country[i] and arr.country[i] != meta["country_code"]:
        alerts.add("roaming")
    gw = int(st.gateway[i])
    jammed = gps == "jammed"
    cause = outage_cause(int(st.code[i]), int(st.reason[i]), int(arr.path_id[i]))
    return TerminalView(
        serial=str(st.serial[i]), kit_number=meta["kit_number"], hardware_version=meta["hardware_version"],
        software_version=meta["software_version"], country_code=meta["country_code"], plan=meta["plan"],
        served=served, code=code, reasons=tuple(arr.reasons_of(i)), alerts=frozenset(alerts),
        satellite=int(st.sat[i]) if served else None, gateway=gateway_names[gw] if gw >= 0 else None,
        pop=str(st.pop[i]) or None, path=f"{st.serial[i]}-{arr.path_suffix[i]}" if served else None,
        cell_h3=cell_names(arr.cells[i:i + 1])[0] or None, rtt_ms=_fin(st.rtt_ms[i]),
        downlink_bps=_radio(st.downlink_mbps, i, st.allocated_mbps[i]) * 1e6 if served else 0.0,
        uplink_bps=(_radio(st.uplink_mbps, i, np.nan) * 1e6 if served else 0.0) if st.uplink_mbps is not None
        else None, drop_rate=_radio(st.pop_ping_drop_rate, i, 0.0) if served else 1.0,
        true_lat_deg=float(st.true_lat_deg[i]),
        true_lon_deg=float(st.true_lon_deg[i]), alt_m=alt_km * 1e3,
        reported_lat_deg=None if jammed else _fin(st.lat_deg[i]),
        reported_lon_deg=None if jammed else _fin(st.lon_deg[i]), position_source="NONE" if jammed else "GPS",
        estimated_lat_deg=_fin(arr.est_lat[i]), estimated_lon_deg=_fin(arr.est_lon[i]),
        ellipse_major_km=_fin(arr.major_km[i]), ellipse_minor_km=_fin(arr.minor_km[i]),
        ellipse_angle_deg=_fin(arr.angle_deg[i]), speed_kmh=float(st.speed_kmh[i]),
        heading_deg=float(arr.heading_deg[i]), azimuth_deg=_fin(st.az_deg[i]), elevation_deg=_fin(st.el_deg[i]),
        seconds_to_slot_end=st.slot_s - t_in_slot_s, slot_index=st.slot_index,
        uptime_s=(st.slot_index + 1) * st.slot_s, current_country=str(arr.country[i]), label=label,
        outage_cause=cause or None, capacity_limited=int(st.reason[i]) == Assignment.CAPACITY,
        pop_ping_latency_ms=_opt(st.pop_ping_latency_ms, i) if served else None,
        downlink_capacity_mbps=_opt(st.downlink_capacity_mbps, i) if served else None,
        uplink_capacity_mbps=_opt(st.uplink_capacity_mbps, i) if served else None,
        sinr_db=_opt(st.sinr_db, i) if served else None,
        modcod=str(st.modcod[i]) if st.modcod is not None and served else "", rain_mm_h=_opt(st.rain_mm_h, i))


def with_paths(state: SlotState, path_suffix: np.ndarray) -> SlotState:
    """The snapshot with its ``path`` column filled ('serial-sat-…-gateway-pop', "" unserved)."""
    from dataclasses import replace

    path = np.array([f"{s}-{p}" if p is not None else "" for s, p in zip(state.serial.tolist(),
                                                                          path_suffix.tolist(), strict=True)],
                    dtype=object)
    return replace(state, path=path)
