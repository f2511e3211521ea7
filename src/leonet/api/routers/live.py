"""The dashboard's live feed: satellites and terminals streamed as server-sent events, plus read-only views of
zones, a terminal (state, history, provenance, error ellipse) and incidents, and the time control.

Read-only views need no key (``leonet demo`` binds 127.0.0.1); the time control needs an admin key."""

from __future__ import annotations

import asyncio
import json
import math
import time
from datetime import timedelta

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field

from leonet.access import service
from leonet.access.codes import CODE_NAMES
from leonet.access.detect import write_evidence
from leonet.api.auth import Principal, require
from leonet.api.routers.sim import live_simulation as _sim

router = APIRouter(prefix="/api/v1/live", tags=["dashboard"])
CODE_NAMES_LUT = np.array([CODE_NAMES.get(v, "UNKNOWN_STATE") for v in range(18)], dtype=object)


def _num(v):
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v


def display_time(request: Request):
    """The simulated instant to show now: the current slot's start plus the wall time elapsed since it began,
    scaled by the run speed (so satellites move continuously between slots)."""
    sim = _sim(request)
    runner = getattr(request.app.state, "runner", None)
    since = time.monotonic() - getattr(sim, "slot_started_monotonic", time.monotonic())
    speed = 0.0 if runner is None or runner.paused else runner.speed
    return sim.now + timedelta(seconds=min(since * speed, sim.slot_s))


def frame(request: Request) -> dict:
    sim = _sim(request)
    runner = getattr(request.app.state, "runner", None)
    t = display_time(request)
    sats = sim.satellites_geodetic(t)
    with sim.lock:
        st = sim.state
        codes = CODE_NAMES_LUT[st["code"]].tolist() if sim.slot_index >= 0 else ["UNKNOWN_STATE"] * len(sim.serials)
        terms = [{"serial": s, "lat": la, "lon": lo, "code": c, "served": sat >= 0, "sat": sat}
                 for s, la, lo, c, sat in zip(sim.serials, np.round(st["lat"], 5).tolist(),
                                              np.round(st["lon"], 5).tolist(), codes, st["sat"].tolist(),
                                              strict=True)]
        slot = sim.slot_index
    return {"t": t.isoformat(), "slot": slot, "slot_s": sim.slot_s,
            "speed": None if runner is None else runner.speed, "paused": bool(runner and runner.paused),
            "sat_lat": [round(float(v), 3) for v in sats["lat_deg"]],
            "sat_lon": [round(float(v), 3) for v in sats["lon_deg"]], "terminals": terms}


@router.get("/snapshot")
def snapshot(request: Request) -> dict:
    sim = _sim(request)
    out = frame(request)
    out["gateways"] = [{"name": n, "lat": float(a), "lon": float(o), "pop": p}
                       for n, a, o, p in zip(sim.gw_names, sim.gw_lat, sim.gw_lon, sim.gw_pop, strict=True)]
    out["pops"] = [p.model_dump() for p in sim.scenario.pops]
    out["isl"] = sim.isl.tolist() if len(sim.isl) <= 20_000 else []
    return out


@router.get("/stream")
async def stream(request: Request, hz: float = 2.0):
    """Server-sent events: one frame (satellites + terminals) every 1/hz seconds."""
    period = 1.0 / max(0.2, min(hz, 10.0))

    async def events():
        while not await request.is_disconnected():
            data = await asyncio.to_thread(frame, request)
            yield f"data: {json.dumps(data, separators=(',', ':'))}\n\n"
            await asyncio.sleep(period)

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.get("/zones")
def zones(request: Request) -> dict:
    sim = _sim(request)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": z["geometry"],
         "properties": {"id": z["id"], "name": z["name"], "kind": z["kind"], "reason": z["reason"]}}
        for z in sim.zones_geojson()]}


@router.get("/terminals/{serial}")
def terminal(serial: str, request: Request) -> dict:
    sim = _sim(request)
    try:
        t = sim.terminal(serial)
    except KeyError:
        raise HTTPException(404, f"unknown serial: field 'serial', value {serial!r}") from None
    h = sim.history(serial, 300)
    with sim.sessions() as session:
        try:
            prov = service.provenance(session, serial)
        except service.NotFound:
            prov = None
    state = {k: _num(v) for k, v in t.as_dict().items()}
    return {"state": state, "provenance": prov,
            "history": {"t_s": [_num(float(v)) for v in h.t_s], "rtt_ms": [_num(float(v)) for v in h.rtt_ms],
                        "downlink_bps": [_num(float(v)) for v in h.downlink_bps]}}


@router.get("/incidents")
def incidents(request: Request) -> list[dict]:
    return [i.as_dict() for i in _sim(request).incidents()]


@router.get("/incidents/report", response_class=PlainTextResponse)
def incidents_report(request: Request) -> str:
    """The evidence report (Markdown), regenerated from the live incidents."""
    import tempfile
    from pathlib import Path

    sim = _sim(request)
    out = Path(tempfile.mkdtemp(prefix="leonet-evidence-"))
    paths = write_evidence(sim.incidents(), out, sim.zones_geojson())
    return paths[1].read_text(encoding="utf-8")  # the full report (HTML, map embedded): /api/v1/incidents/report


class ControlIn(BaseModel):
    paused: bool | None = None
    speed: float | None = Field(default=None, gt=0, le=3600)


@router.post("/control")
def control(body: ControlIn, request: Request, _: Principal = Depends(require("admin"))) -> dict:
    runner = getattr(request.app.state, "runner", None)
    if runner is None:
        raise HTTPException(409, "this server has no live runner")
    if body.paused is not None:
        runner.paused = body.paused
    if body.speed is not None:
        runner.speed = body.speed
    return {"paused": runner.paused, "speed": runner.speed}
