"""A running simulation seen through its REST API (``leonet demo`` / ``leonet serve`` with a live simulation), with
the part of ``leonet.sim.Simulation``'s interface that ``DishView`` reads: ``leonet dish serve --attach URL``."""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime

import httpx
import numpy as np

from leonet.access.codes import DisablementCode
from leonet.sim.state import TerminalHistory, TerminalState

CACHE_S = 0.5  # a dish client polling several RPCs per second reads the server once per half second


class RemoteSimulation:
    """Reads ``/api/v1/sim/*`` of a running leonet server (admin or regulator key)."""

    def __init__(self, base_url: str, api_key: str, timeout_s: float = 10.0):
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s,
                                  headers={"Authorization": f"Bearer {api_key}"})
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, object]] = {}
        status = self._get("/api/v1/sim/status")
        self.start = datetime.fromisoformat(status["start"])
        self.slot_s = float(status["slot_s"])
        self.gw_names = list(status["gateways"])
        self.gw_pop = list(status["gateway_pops"])

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
    def now(self) -> datetime:
        return datetime.fromisoformat(self._cached("status", "/api/v1/sim/status")["now"])

    def terminal(self, serial: str) -> TerminalState:
        d = dict(self._cached(f"t:{serial}", f"/api/v1/sim/terminals/{serial}"))
        d["code"] = DisablementCode[d["code"]]
        d["alerts"] = set(d["alerts"])
        fields = TerminalState.__dataclass_fields__
        return TerminalState(**{k: v for k, v in d.items() if k in fields})

    def history(self, serial: str, seconds: int = 900) -> TerminalHistory:
        h = self._cached(f"h:{serial}", f"/api/v1/sim/terminals/{serial}/history", {"seconds": seconds})
        arr = lambda k: np.array([math.nan if v is None else v for v in h[k]], dtype=float)  # noqa: E731
        return TerminalHistory(arr("t_s"), arr("rtt_ms"), arr("drop_rate"), arr("downlink_bps"),
                               arr("uplink_bps"), [tuple(o) for o in h["outages"]])

    def close(self) -> None:
        self._http.close()
