"""Telemetry: per terminal per slot — served, code, satellite, gateway, PoP, RTT, throughput, estimated vs
reported position — kept in memory as Arrow tables and stored in the store's ``telemetry`` table."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from leonet.access.codes import CODE_NAMES

COLUMNS = ("slot", "t_s", "serial", "served", "code", "satellite", "gateway", "rtt_ms", "throughput_mbps",
           "true_lat_deg", "true_lon_deg", "reported_lat_deg", "reported_lon_deg", "estimated_lat_deg",
           "estimated_lon_deg", "ellipse_major_km", "unexpected_location")


class TelemetryLog:
    def __init__(self, sessions, serials: np.ndarray):
        self.sessions = sessions
        self.serials = serials
        self.tables: list[pa.Table] = []

    def append(self, slot: int, t_s: float, st: dict) -> None:
        m = len(self.serials)
        lut = np.array([CODE_NAMES.get(v, "") for v in range(18)], dtype=object)
        fin = lambda a: pa.array(a, mask=~np.isfinite(a))  # noqa: E731
        table = pa.table({
            "slot": pa.array(np.full(m, slot, dtype=np.int32)), "t_s": pa.array(np.full(m, t_s)),
            "serial": pa.array(self.serials.tolist(), pa.string()), "served": pa.array(st["sat"] >= 0),
            "code": pa.array(lut[st["code"]].tolist(), pa.string()),
            "satellite": pa.array(st["sat"], mask=st["sat"] < 0, type=pa.int32()),
            "gateway": pa.array(st["gw"], mask=st["gw"] < 0, type=pa.int32()),
            "rtt_ms": fin(st["rtt_ms"]), "throughput_mbps": pa.array(st["thr_mbps"]),
            "true_lat_deg": pa.array(st["lat"]), "true_lon_deg": pa.array(st["lon"]),
            "reported_lat_deg": fin(st["rep_lat"]), "reported_lon_deg": fin(st["rep_lon"]),
            "estimated_lat_deg": fin(st["est_lat"]), "estimated_lon_deg": fin(st["est_lon"]),
            "ellipse_major_km": fin(st["major"]), "unexpected_location": pa.array(st["flagged"]),
        })
        self.tables.append(table)
        if self.sessions is not None:
            from leonet.store.models import TelemetryRow

            rows = table.to_pylist()
            with self.sessions.begin() as session:
                session.execute(TelemetryRow.__table__.insert(), rows)

    def table(self) -> pa.Table:
        return pa.concat_tables(self.tables) if self.tables else pa.table({c: [] for c in COLUMNS})
