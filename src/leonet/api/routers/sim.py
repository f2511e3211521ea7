"""The running simulation through the API: terminals' live state and history, incidents, telemetry."""

from __future__ import annotations

import math

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access.keys import Principal
from leonet.api.auth import require
from leonet.api.deps import read_db
from leonet.store.models import TelemetryRow

READERS = require("admin", "regulator")
router = APIRouter(prefix="/api/v1/sim", tags=["simulation"], dependencies=[Depends(READERS)])


def live_simulation(request: Request):
    """The running Simulation of this server, or 404."""
    sim = request.app.state.live
    if sim is None:
        raise HTTPException(404, "no simulation is running in this server (start one with `leonet demo`)")
    return sim


def _clean(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


@router.get("/status")
def status(request: Request, _: Principal = Depends(READERS)) -> dict:
    sim = live_simulation(request)
    with sim.lock:
        return {"scenario": sim.scenario.name, "slot_index": sim.slot_index, "now": sim.now.isoformat(),
                "start": sim.start.isoformat(), "slot_s": sim.slot_s, "terminals": len(sim.serials),
                "satellites": sim.constellation.num_sats, "gateways": list(sim.gw_names),
                "gateway_pops": list(sim.gw_pop)}


@router.get("/terminals")
def terminals(request: Request, _: Principal = Depends(READERS)) -> list[dict]:
    sim = live_simulation(request)
    return [_clean(sim.terminal(s).as_dict()) for s in sim.serials]


@router.get("/terminals/{serial}")
def terminal(serial: str, request: Request, _: Principal = Depends(READERS)) -> dict:
    sim = live_simulation(request)
    try:
        return _clean(sim.terminal(serial).as_dict())
    except KeyError:
        raise HTTPException(404, f"unknown serial: field 'serial', value {serial!r}") from None


@router.get("/terminals/{serial}/history")
def history(serial: str, request: Request, seconds: int = Query(900, ge=1, le=900),
            _: Principal = Depends(READERS)) -> dict:
    sim = live_simulation(request)
    if serial not in sim.serials:
        raise HTTPException(404, f"unknown serial: field 'serial', value {serial!r}")
    h = sim.history(serial, seconds)
    nan = lambda a: [None if not math.isfinite(v) else float(v) for v in a]  # noqa: E731
    return {"t_s": nan(h.t_s), "rtt_ms": nan(h.rtt_ms), "drop_rate": nan(h.drop_rate),
            "downlink_bps": nan(h.downlink_bps), "uplink_bps": nan(h.uplink_bps), "outages": h.outages}


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
