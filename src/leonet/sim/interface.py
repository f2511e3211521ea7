"""The one declared interface between the living system and its views (API, dashboard, dish emulator, policy
comparison): frozen snapshots of arrays with units in their names, and the ``SimulationView`` protocol that both
``leonet.sim.Simulation`` (in process) and ``leonet.dish.remote.RemoteSimulation`` (over REST) implement.

Later models ADD fields here (never rename): the radio/latency model adds per-terminal ``pop_ping_latency_ms``,
``pop_ping_drop_rate``, ``downlink_mbps``, ``uplink_mbps``, ``downlink_capacity_mbps``, ``sinr_db``, ``modcod``,
``rain_mm_h`` to ``SlotState`` and replaces the values of ``SecondSamples`` behind ``seconds()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Protocol, runtime_checkable

import numpy as np

from leonet.access.codes import DisablementCode


@dataclass(frozen=True)
class SlotState:
    """One scheduler slot, one entry per terminal (index = terminal order of ``serial``).

    ``rtt_ms`` is the propagation round trip terminal → satellite → (ISLs) → gateway → fibre → PoP and back, NaN
    when unserved; ``lat_deg``/``lon_deg`` are the positions the terminals report (NaN when they report none);
    ``true_lat_deg``/``true_lon_deg`` the simulated truth (debug views only: the operator never sees them)."""

    t_utc: datetime
    slot_index: int
    slot_s: float
    serial: np.ndarray  # (M,) str
    code: np.ndarray  # (M,) int16 DisablementCode
    sat: np.ndarray  # (M,) int, -1 none
    gateway: np.ndarray  # (M,) int index into NetworkView.gateway_names, -1 none
    pop: np.ndarray  # (M,) str, "" none
    path: np.ndarray  # (M,) str node labels joined by "-" (as `leonet routes` writes them), "" none
    rtt_ms: np.ndarray  # (M,) float, NaN unserved
    lat_deg: np.ndarray  # (M,) reported
    lon_deg: np.ndarray
    true_lat_deg: np.ndarray  # (M,) simulated truth
    true_lon_deg: np.ndarray
    speed_kmh: np.ndarray
    az_deg: np.ndarray  # (M,) to the serving satellite, NaN unserved
    el_deg: np.ndarray
    handover: np.ndarray  # (M,) bool: serving satellite changed at this slot's start
    allocated_mbps: np.ndarray  # (M,) the scheduler's share of the beam capacity (demand-limited), 0 unserved
    reason: np.ndarray  # (M,) int8 scheduler outcome: 0 served, 1 not authorized, 2 no satellite, 3 capacity
    unexpected_location: np.ndarray  # (M,) bool: the network's location check flags the reported position
    # The radio and latency model (leonet.radio; docs/radio.md). None only when built without it.
    pop_ping_latency_ms: np.ndarray | None = None  # (M,) slot mean of the dish's pop-ping latency, NaN unserved
    pop_ping_drop_rate: np.ndarray | None = None  # (M,) slot mean drop rate, 1 unserved
    downlink_mbps: np.ndarray | None = None  # (M,) achieved (demand-limited), 0 unserved
    uplink_mbps: np.ndarray | None = None  # (M,) achieved
    downlink_capacity_mbps: np.ndarray | None = None  # (M,) what a speed test would get now
    uplink_capacity_mbps: np.ndarray | None = None  # (M,)
    sinr_db: np.ndarray | None = None  # (M,) downlink SINR, NaN unserved
    modcod: np.ndarray | None = None  # (M,) object: DVB-S2X MODCOD name, "" unserved
    rain_mm_h: np.ndarray | None = None  # (M,) rain rate over the terminal

    @property
    def served(self) -> np.ndarray:
        return self.sat >= 0


@dataclass(frozen=True)
class SecondSamples:
    """Per-second samples of one terminal over [start, end) (whole UTC seconds). Values evolve inside a slot as the
    satellite moves; NaN where no model gives the value (e.g. throughput without a radio model)."""

    t_utc: list[datetime]
    pop_ping_latency_ms: np.ndarray
    pop_ping_drop_rate: np.ndarray
    downlink_mbps: np.ndarray
    uplink_mbps: np.ndarray
    sat: np.ndarray
    az_deg: np.ndarray
    el_deg: np.ndarray
    code: np.ndarray
    outage_cause: list[str]  # "" none, else a DishOutage.Cause name

    def __len__(self) -> int:
        return len(self.t_utc)

    def as_dict(self) -> dict:
        """JSON-ready columns (NaN → None, datetimes ISO 8601)."""
        out: dict = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "t_utc":
                out[f.name] = [t.isoformat() for t in v]
            elif isinstance(v, np.ndarray):
                out[f.name] = [None if isinstance(x, float) and x != x else x for x in v.tolist()]
            else:
                out[f.name] = list(v)
        return out


@dataclass(frozen=True)
class TerminalView:
    """One terminal now: identity, plan, country, decision, serving path and positions, location check."""

    serial: str
    kit_number: str
    hardware_version: str
    software_version: str
    country_code: str  # the account's home country
    plan: str
    served: bool
    code: DisablementCode
    reasons: tuple[str, ...]
    alerts: frozenset[str]
    satellite: int | None
    gateway: str | None
    pop: str | None
    path: str | None
    cell_h3: str | None
    rtt_ms: float | None
    downlink_bps: float  # achieved (the radio model's; the scheduler's allocated share without it); 0 unserved
    uplink_bps: float | None  # achieved (None without the radio model)
    drop_rate: float  # this slot's mean pop-ping drop rate (1 while unserved)
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
    current_country: str = ""
    label: str = ""
    outage_cause: str | None = None
    capacity_limited: bool = False
    # The radio and latency model (leonet.radio): this slot's mean pop-ping latency, speed-test capacity, SINR,
    # MODCOD and rain over the terminal (None/"" when unserved or without the model).
    pop_ping_latency_ms: float | None = None
    downlink_capacity_mbps: float | None = None
    uplink_capacity_mbps: float | None = None
    sinr_db: float | None = None
    modcod: str = ""
    rain_mm_h: float | None = None

    def as_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["code"] = self.code.name
        d["alerts"] = sorted(self.alerts)
        d["reasons"] = list(self.reasons)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> TerminalView:
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        kw["code"] = DisablementCode[kw["code"]] if isinstance(kw["code"], str) else DisablementCode(kw["code"])
        kw["alerts"] = frozenset(kw.get("alerts") or ())
        kw["reasons"] = tuple(kw.get("reasons") or ())
        return cls(**kw)


@dataclass(frozen=True)
class NetworkView:
    """The network a simulation runs: constellation name and size, ISLs, gateways and PoPs."""

    name: str
    num_sats: int
    isl_edges: np.ndarray  # (E, 2)
    gateway_names: tuple[str, ...]
    gateway_lat_deg: np.ndarray
    gateway_lon_deg: np.ndarray
    gateway_country: tuple[str, ...]
    gateway_pop: tuple[str, ...]  # each gateway's home PoP (its backhaul when no country rule applies)
    pop_names: tuple[str, ...]
    pop_lat_deg: np.ndarray
    pop_lon_deg: np.ndarray
    sources: tuple[str, ...] = field(default_factory=tuple)  # where the constellation and ground data came from


@runtime_checkable
class SimulationView(Protocol):
    """What every view of a running simulation may read. Implemented by ``Simulation`` and ``RemoteSimulation``."""

    scenario_name: str

    @property
    def start_utc(self) -> datetime: ...

    @property
    def now_utc(self) -> datetime: ...

    @property
    def slot_s(self) -> float: ...

    def serials(self) -> list[str]: ...

    def slot_state(self) -> SlotState: ...

    def terminal(self, serial: str) -> TerminalView: ...

    def seconds(self, serial: str, start_utc: datetime, end_utc: datetime) -> SecondSamples: ...

    def incidents(self) -> list: ...

    def network(self) -> NetworkView: ...

    def satellites_geodetic(self, t_utc: datetime) -> dict:
        """{'lat_deg', 'lon_deg', 'alt_km'}: arrays (N,) of the satellites at ``t_utc``."""
        ...


def outage_runs(samples: SecondSamples) -> list[tuple[datetime, float, str]]:
    """Contiguous runs of the same outage cause: (start, duration_s, cause)."""
    runs: list[tuple[datetime, float, str]] = []
    for t, cause in zip(samples.t_utc, samples.outage_cause, strict=True):
        if not cause:
            continue
        if runs and runs[-1][2] == cause and (t - runs[-1][0]).total_seconds() == runs[-1][1]:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1.0, cause)
        else:
            runs.append((t, 1.0, cause))
    return runs
