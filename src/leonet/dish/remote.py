"""A running simulation seen through its REST API (``leonet demo`` / ``leonet serve`` with a live simulation):
``leonet.sim.interface.SimulationView`` over ``/api/v1/sim/*``, for ``leonet dish serve --attach URL``."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import httpx
import numpy as np

from leonet.sim.interface import NetworkView, SecondSamples, SlotState, TerminalView

CACHE_S = 0.5  # a dish client polling several RPCs per second reads the server once per half second
_FLOAT = ("rtt_ms", "lat_deg", "lon_deg", "true_lat_deg", "true_lon_deg", "speed_kmh", "az_deg", "el_deg",
          "allocated_mbps", "pop_ping_latency_ms", "pop_ping_drop_rate", "downlink_mbps", "uplink_mbps",
          "downlink_capacity_mbps", "uplink_capacity_mbps", "sinr_db", "rain_mm_h")


def _floats(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


class RemoteSimulation:
    """Reads ``/api/v1/sim/*`` of a running leonet server (admin or regulator key)."""

    def __init__(self, base_url: str, api_key: str, timeout_s: float = 10.0):
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s,
                                  headers={"Authorization": f"Bearer {api_key}"})
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, object]] = {}
        status = self._get("/api/v1/sim/status")
        self.scenario_name = status["scenario"]
        self._start = datetime.fromisoformat(status["start"])
        self._slot_s = float(status["slot_s"])
        self._network: NetworkView | None = None

    def _get(self, path: str, params: dict | None = None):
        try:
            r = self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise ConnectionError(f"cannot reach the simulation at {self._http.base_url}: {exc}") from None
        if r.status_code == 404 and "/terminals/" in path:
            raise KeyError(path.split("/terminals/")[1].split("/")[0])
        if r.status_code in (401, 403):
            raise PermissionError(f"{self._http.base_url} refused the API key (HTTP {r.status_code}); "
                                  f"use an admin or regulator key (--api-key or LEONET_ADMIN_KEY)")
        if r.status_code >= 400:
            raise ConnectionError(f"{self._http.base_url}{path}: HTTP {r.status_code}: {r.text[:200]}")
        return r.json()

    def _cached(self, key: str, path: str, params: dict | None = None):
        with self._lock:
            hit = self._cache.get(key)
            if hit and time.monotonic() - hit[0] < CACHE_S:
                return hit[1]
        value = self._get(path, params)
        with self._lock:
            self._cache[key] = (time.monotonic(), value)
        return value

    @property
    def start_utc(self) -> datetime:
        return self._start

    @property
    def now_utc(self) -> datetime:
        return datetime.fromisoformat(self._cached("status", "/api/v1/sim/status")["now"])

    @property
    def slot_s(self) -> float:
        return self._slot_s

    def serials(self) -> list[str]:
        return self.slot_state().serial.tolist()

    def slot_state(self) -> SlotState:
        d = self._cached("slot", "/api/v1/sim/slot")
        kw = {k: (_floats(v) if k in _FLOAT else np.array(v)) for k, v in d.items()
              if k not in ("t_utc", "slot_index", "slot_s")}
        return SlotState(t_utc=datetime.fromisoformat(d["t_utc"]), slot_index=int(d["slot_index"]),
                         slot_s=float(d["slot_s"]), **kw)

    def terminal(self, serial: str) -> TerminalView:
        return TerminalView.from_dict(self._cached(f"t:{serial}", f"/api/v1/sim/terminals/{serial}"))

    def seconds(self, serial: str, start_utc: datetime, end_utc: datetime) -> SecondSamples:
        d = self._cached(f"s:{serial}:{start_utc.isoformat()}:{end_utc.isoformat()}",
                         f"/api/v1/sim/terminals/{serial}/seconds",
                         {"start_utc": start_utc.isoformat(), "end_utc": end_utc.isoformat()})
        return SecondSamples(t_utc=[datetime.fromisoformat(t) for t in d["t_utc"]],
                             pop_ping_latency_ms=_floats(d["pop_ping_latency_ms"]),
                             pop_ping_drop_rate=_floats(d["pop_ping_drop_rate"]),
                             downlink_mbps=_floats(d["downlink_mbps"]), uplink_mbps=_floats(d["uplink_mbps"]),
                             sat=np.array(d["sat"], dtype=np.int64), az_deg=_floats(d["az_deg"]),
                             el_deg=_floats(d["el_deg"]), code=np.array(d["code"], dtype=np.int16),
                             outage_cause=list(d["outage_cause"]))

    def incidents(self) -> list:
        return self._cached("incidents", "/api/v1/sim/incidents")

    def network(self) -> NetworkView:
        if self._network is None:
            d = self._get("/api/v1/sim/network")
            gws, pops = d["gateways"], d["pops"]
            self._network = NetworkView(
                d["name"], int(d["num_sats"]), np.array(d["isl_edges"], dtype=np.int64).reshape(-1, 2),
                tuple(g["name"] for g in gws), _floats([g["lat_deg"] for g in gws]),
                _floats([g["lon_deg"] for g in gws]), tuple(g["country"] for g in gws),
                tuple(g["pop"] for g in gws), tuple(p["name"] for p in pops), _floats([p["lat_deg"] for p in pops]),
                _floats([p["lon_deg"] for p in pops]), tuple(d["sources"]))
        return self._network

    def satellites_geodetic(self, t_utc: datetime) -> dict:
        d = self._get("/api/v1/sim/satellites", {"t_utc": t_utc.isoformat()})
        return {k: np.array(v, dtype=float) for k, v in d.items()}

    def close(self) -> None:
        self._http.close()
