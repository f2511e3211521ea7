"""The running simulation through the API: its network, the current slot, terminals' live state and per-second
samples, incidents, telemetry. Reads the simulation only through ``leonet.sim.interface.SimulationView``."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access.keys import Principal
from leonet.api.auth import require
from leonet.api.deps import read_db
from leonet.sim.interface import SimulationView, outage_runs
from leonet.store.models import TelemetryRow

READERS = require("admin", "regulator")
router = APIRouter(prefix="/api/v1/sim", tags=["simulation"], dependencies=[Depends(READERS)])


def live_simulation(request: Request) -> SimulationView:
    """The running simulation of this server, or 404."""
    sim = request.app.state.live
    if sim is None:
        raise HTTPException(404, "no simulation is running in this server (start one with `leonet demo`)")
    return sim


def _num(v):
    return None if isinstance(v, float) and not math.isfinite(v) else v


def _clean(d: dict) -> dict:
    return {k: _num(v) for k, v in d.items()}


def _col(a) -> list:
    return [_num(v) for v in a.tolist()]


@router.get("/status")
def status(request: Request, _: Principal = Depends(READERS)) -> dict:
    sim = live_simulation(request)
    net = sim.network()
    st = sim.slot_state()
    return {"scenario": sim.scenario_name, "slot_index": st.slot_index, "now": sim.now_utc.isoformat(),
            "start": sim.start_utc.isoformat(), "slot_s": sim.slot_s, "terminals": len(st.serial),
            "satellites": net.num_sats, "constellation": net.name, "gateways": list(net.gateway_names),
            "gateway_pops": list(net.gateway_pop), "pops": list(net.pop_names)}


@router.get("/network")
def network(request: Request, _: Principal = Depends(READERS)) -> dict:
    """The constellation (name, size, ISLs), gateways and PoPs."""
    net = live_simulation(request).network()
    return {"name": net.name, "num_sats": net.num_sats, "isl_edges": net.isl_edges.tolist(),
            "gateways": [{"name": n, "lat_deg": float(a), "lon_deg": float(o), "country": c, "pop": p}
                         for n, a, o, c, p in zip(net.gateway_names, net.gateway_lat_deg, net.gateway_lon_deg,
                                                  net.gateway_country, net.gateway_pop, strict=True)],
            "pops": [{"name": n, "lat_deg": float(a), "lon_deg": float(o)}
                     for n, a, o in zip(net.pop_names, net.pop_lat_deg, net.pop_lon_deg, strict=True)],
            "sources": list(net.sources)}


@router.get("/slot")
def slot(request: Request, _: Principal = Depends(READERS)) -> dict:
    """The current slot's state, one array per field (index = terminal order)."""
    st = live_simulation(request).slot_state()
    out = {"t_utc": st.t_utc.isoformat(), "slot_index": st.slot_index, "slot_s": st.slot_s}
    for name in st.__dataclass_fields__:
        if name not in out:
            out[name] = _col(getattr(st, name))
    return out


@router.get("/satellites")
def satellites(request: Request, t_utc: datetime | None = None, _: Principal = Depends(READERS)) -> dict:
    """Sub-satellite points (lat_deg, lon_deg) and altitudes (alt_km) at ``t_utc`` (default: now)."""
    sim = live_simulation(request)
    sats = sim.satellites_geodetic(t_utc or sim.now_utc)
    return {k: [round(float(v), 4) for v in a] for k, a in sats.items()}


@router.get("/terminals")
def terminals(request: Request, _: Principal = Depends(READERS)) -> list[dict]:
    sim = live_simulation(request)
    return [_clean(sim.terminal(s).as_dict()) for s in sim.serials()]


@router.get("/terminals/{serial}")
def terminal(serial: str, request: Request, _: Principal = Depends(READERS)) -> dict:
    sim = live_simulation(request)
    try:
        return _clean(sim.terminal(serial).as_dict())
    except KeyError:
        raise HTTPException(404, f"unknown serial: field 'serial', value {serial!r}") from None


def _samples(sim: SimulationView, serial: str, start: datetime, end: datetime):
    try:
        return sim.seconds(serial, start, end)
    except KeyError:
        raise HTTPException(404, f"unknown serial: field 'serial', value {serial!r}") from None


@router.get("/terminals/{serial}/seconds")
def seconds(serial: str, request: Request, start_utc: datetime, end_utc: datetime,
            _: Principal = Depends(READERS)) -> dict:
    """Per-second samples over [start_utc, end_utc) (at most 900 s; only the slots the simulation still holds)."""
    if end_utc <= start_utc or (end_utc - start_utc).total_seconds() > 900:
        raise HTTPException(422, f"field 'end_utc': must be after start_utc and within 900 s, value "
                                 f"{end_utc.isoformat()!r}")
    return _samples(live_simulation(request), serial, start_utc, end_utc).as_dict()


@router.get("/terminals/{serial}/history")
def history(serial: str, request: Request, seconds: int = Query(900, ge=1, le=900),
            _: Principal = Depends(READERS)) -> dict:
    """The last ``seconds`` per-second samples up to the end of the current slot, dish-history style."""
    sim = live_simulation(request)
    end = sim.now_utc + timedelta(seconds=sim.slot_s)
    h = _samples(sim, serial, end - timedelta(seconds=seconds), end)
    t0 = sim.start_utc
    return {"t_s": [(t - t0).total_seconds() for t in h.t_utc], "rtt_ms": _col(h.pop_ping_latency_ms),
            "drop_rate": _col(h.pop_ping_drop_rate), "downlink_bps": _col(h.downlink_mbps * 1e6),
            "uplink_bps": _col(h.uplink_mbps * 1e6),
            "outages": [[(s - t0).total_seconds(), d, c] for s, d, c in outage_runs(h)]}


@router.get("/incidents")
def incidents(request: Request, _: Principal = Depends(READERS)) -> list[dict]:
    return [i.as_dict() for i in live_simulation(request).incidents()]


@router.get("/telemetry")
def telemetry(serial: str | None = None, after_slot: int = Query(-1, ge=-1), limit: int = Query(1000, ge=1,
              le=100_000), session: Session = Depends(read_db), _: Principal = Depends(READERS)) -> list[dict]:
    """Stored telemetry rows (any simulation that wrote to this database), oldest first."""
    q = select(TelemetryRow).where(TelemetryRow.slot > after_slot)
    if serial:
        q = q.where(TelemetryRow.serial == serial)
    rows = session.execute(q.order_by(TelemetryRow.slot, TelemetryRow.id).limit(limit)).scalars()
    cols = [c.name for c in TelemetryRow.__table__.columns if c.name != "id"]
    return [{c: getattr(r, c) for c in cols} for r in rows]
