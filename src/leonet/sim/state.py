"""Plain views of the running system: one terminal's state and its 1-second history (docs/interfaces.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from leonet.access.codes import DisablementCode


@dataclass
class TerminalState:
    serial: str
    kit_number: str
    hardware_version: str
    software_version: str
    country_code: str
    plan: str
    served: bool
    code: DisablementCode
    reasons: list[str]
    alerts: set[str]
    satellite: int | None
    gateway: str | None
    pop: str | None
    cell_h3: str | None
    rtt_ms: float | None
    downlink_bps: float
    uplink_bps: float
    drop_rate: float
    true_lat_deg: float
    true_lon_deg: float
    alt_m: float
    reported_lat_deg: float | None
    reported_lon_deg: float | None
    position_source: str
    estimated_lat_deg: float | None
    estimated_lon_deg: float | None
    ellipse_major_km: float | None
    ellipse_minor_km: float | None
    ellipse_angle_deg: float | None
    speed_kmh: float
    heading_deg: float
    azimuth_deg: float | None
    elevation_deg: float | None
    seconds_to_slot_end: float
    slot_index: int
    uptime_s: float
    label: str = ""
    outage_cause: str | None = None
    capacity_limited: bool = False

    def as_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["code"] = self.code.name
        d["alerts"] = sorted(self.alerts)
        return d


@dataclass
class TerminalHistory:
    t_s: np.ndarray
    rtt_ms: np.ndarray
    drop_rate: np.ndarray
    downlink_bps: np.ndarray
    uplink_bps: np.ndarray
    outages: list[tuple[float, float, str]] = field(default_factory=list)
