"""Telemetry recording: one row per terminal per slot — UTC slot start, served, code, satellite, gateway, PoP,
path, propagation RTT, the scheduler's allocated share, true/reported/estimated positions, and the radio model's
pop-ping latency and drop rate, achieved and speed-test throughput, SINR, MODCOD and rain — kept as Arrow tables
(written to ``telemetry.parquet``) and stored in the store's ``telemetry`` table."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leonet.access.codes import CODE_NAMES
from leonet.sim.interface import SlotState

COLUMNS = ("slot", "t_s", "t_utc", "serial", "served", "code", "satellite", "gateway", "pop", "path", "rtt_ms",
           "throughput_mbps", "true_lat_deg", "true_lon_deg", "reported_lat_deg", "reported_lon_deg",
           "estimated_lat_deg", "estimated_lon_deg", "ellipse_major_km", "unexpected_location",
           "pop_ping_latency_ms", "pop_ping_drop_rate", "downlink_mbps", "uplink_mbps", "downlink_capacity_mbps",
           "uplink_capacity_mbps", "sinr_db", "modcod", "rain_mm_h")
RADIO_COLUMNS = COLUMNS[COLUMNS.index("pop_ping_latency_ms"):]
DB_COLUMNS = tuple(c for c in COLUMNS if c not in ("t_utc", "pop", "path") + RADIO_COLUMNS)
CODE_LUT = np.array([CODE_NAMES.get(v, "") for v in range(18)], dtype=object)


class TelemetryLog:
    def __init__(self, sessions, serials: np.ndarray):
        self.sessions = sessions
        self.serials = pa.array(serials.tolist(), pa.string())
        self.tables: list[pa.Table] = []

    def append(self, state: SlotState, t_s: float, path_suffix: np.ndarray, est_lat: np.ndarray,
               est_lon: np.ndarray, major_km: np.ndarray) -> None:
        """One slot. ``path_suffix`` (M,) object: the path after the terminal ('sat-…-gateway-pop'), None unserved."""
        m = len(state.serial)
        fin = lambda a: pa.array(a, mask=~np.isfinite(a))  # noqa: E731
        suffix = pa.array(path_suffix, pa.string())
        path = pc.binary_join_element_wise(self.serials, suffix, "-")
        pop = pa.array(state.pop, pa.string())
        table = pa.table({
            "slot": pa.array(np.full(m, state.slot_index, dtype=np.int32)), "t_s": pa.array(np.full(m, t_s)),
            "t_utc": pa.array(np.full(m, np.datetime64(state.t_utc.replace(tzinfo=None), "ms")),
                              pa.timestamp("ms", tz="UTC")),
            "serial": self.serials, "served": pa.array(state.sat >= 0),
            "code": pa.array(CODE_LUT[state.code].tolist(), pa.string()),
            "satellite": pa.array(state.sat, mask=state.sat < 0, type=pa.int32()),
            "gateway": pa.array(state.gateway, mask=state.gateway < 0, type=pa.int32()),
            "pop": pc.if_else(pc.equal(pop, ""), pa.scalar(None, pa.string()), pop), "path": path,
            "rtt_ms": fin(state.rtt_ms), "throughput_mbps": pa.array(state.allocated_mbps),
            "true_lat_deg": pa.array(state.true_lat_deg), "true_lon_deg": pa.array(state.true_lon_deg),
            "reported_lat_deg": fin(state.lat_deg), "reported_lon_deg": fin(state.lon_deg),
            "estimated_lat_deg": fin(est_lat), "estimated_lon_deg": fin(est_lon),
            "ellipse_major_km": fin(major_km), "unexpected_location": pa.array(state.unexpected_location),
            **self._radio(state, m, fin),
        })
        self.tables.append(table)
        if self.sessions is not None:
            self._store(table)

    def _store(self, table: pa.Table) -> None:
        """Insert the slot's rows into the store's ``telemetry`` table: one driver-level executemany of plain
        tuples (no per-row dicts or ORM objects)."""
        sub = table.select(list(DB_COLUMNS))
        rows = list(zip(*(c.to_pylist() for c in sub.columns), strict=True))
        with self.sessions.begin() as session:
            conn = session.connection()
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            sql = f"INSERT INTO telemetry ({', '.join(DB_COLUMNS)}) VALUES ({', '.join([mark] * len(DB_COLUMNS))})"
            conn.exec_driver_sql(sql, rows)

    @staticmethod
    def _radio(state: SlotState, m: int, fin) -> dict:
        """The radio model's columns (leonet.radio; null where the snapshot has none)."""
        out = {}
        for name in RADIO_COLUMNS:
            v = getattr(state, name)
            if name == "modcod":
                out[name] = pa.array([x or None for x in v.tolist()] if v is not None else [None] * m, pa.string())
            else:
                out[name] = fin(np.asarray(v, float)) if v is not None else pa.nulls(m, pa.float64())
        return out

    def table(self) -> pa.Table:
        if self.tables:
            return pa.concat_tables(self.tables)
        return pa.table({c: pa.array([], pa.timestamp("ms", tz="UTC") if c == "t_utc" else pa.null())
                         for c in COLUMNS})
