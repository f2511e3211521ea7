"""The dashboard's live feed: satellites and terminals streamed as server-sent events, plus read-only views of
zones, a terminal (state, history, provenance, error ellipse) and incidents, and the time control.

Every view needs a key or session (admin, regulator or viewer; a viewer sees no provenance and no evidence report);
the time control needs an admin key."""

from __future__ import annotations

import asyncio
import json
import math
import time
from datetime import timedelta

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from leonet.access import service
from leonet.access.codes import CODE_NAMES
from leonet.access.detect import write_evidence
from leonet.access.keys import Principal
from leonet.access.zones import zones_geojson
from leonet.api.auth import require
from leonet.api.deps import read_db
from leonet.api.routers.sim import live_simulation as _sim

router = APIRouter(prefix="/api/v1/live", tags=["dashboard"],
                   dependencies=[Depends(require("admin", "regulator", "viewer"))])
_REPORT_CACHE: dict[int, tuple[tuple, float, str]] = {}
REPORT_CACHE_S = 15.0  # the evidence report is rebuilt at most this often per server (it costs seconds of CPU)
CODE_NAMES_LUT = np.array([CODE_NAMES.get(v, "UNKNOWN_STATE") for v in range(18)], dtype=object)


def _num(v):
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v


def display_time(request: Request):
    """The simulated instant to show now: the current slot's start plus the wall time elapsed since it began,
    scaled by the run speed (so satellites move continuously between slots)."""
    sim = _sim(request)
    runner = getattr(request.app.state, "runner", None)
    since = time.monotonic() - getattr(runner, "last_step_monotonic", time.monotonic())
    speed = 0.0 if runner is None or runner.paused else runner.speed
    return sim.now_utc + timedelta(seconds=min(since * speed, sim.slot_s))


def frame(request: Request) -> dict:
    sim = _sim(request)
    runner = getattr(request.app.state, "runner", None)
    t = display_time(request)
    sats = sim.satellites_geodetic(t)
    st = sim.slot_state()
    slot = st.slot_index
    codes = CODE_NAMES_LUT[st.code].tolist() if slot >= 0 else ["UNKNOWN_STATE"] * len(st.serial)
    terms = [{"serial": s, "lat": la, "lon": lo, "code": c, "served": sat >= 0, "sat": sat}
             for s, la, lo, c, sat in zip(st.serial.tolist(), np.round(st.true_lat_deg, 5).tolist(),
                                          np.round(st.true_lon_deg, 5).tolist(), codes, st.sat.tolist(),
                                          strict=True)]
    return {"t": t.isoformat(), "slot": slot, "slot_s": sim.slot_s,
            "speed": None if runner is None else runner.speed, "paused": bool(runner and runner.paused),
            "sat_lat": [round(float(v), 3) for v in sats["lat_deg"]],
            "sat_lon": [round(float(v), 3) for v in sats["lon_deg"]], "terminals": terms}


@router.get("/snapshot")
def snapshot(request: Request) -> dict:
    net = _sim(request).network()
    out = frame(request)
    out["gateways"] = [{"name": n, "lat": float(a), "lon": float(o), "pop": p}
                       for n, a, o, p in zip(net.gateway_names, net.gateway_lat_deg, net.gateway_lon_deg,
                                             net.gateway_pop, strict=True)]
    out["pops"] = [{"name": n, "lat_deg": float(a), "lon_deg": float(o)}
                   for n, a, o in zip(net.pop_names, net.pop_lat_deg, net.pop_lon_deg, strict=True)]
    out["isl"] = net.isl_edges.tolist() if len(net.isl_edges) <= 20_000 else []
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
def zones(session: Session = Depends(read_db)) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": z["geometry"],
         "properties": {"id": z["id"], "name": z["name"], "kind": z["kind"], "reason": z["reason"]}}
        for z in zones_geojson(session)]}


@router.get("/terminals/{serial}")
def terminal(serial: str, request: Request, session: Session = Depends(read_db),
             who: Principal = Depends(require("admin", "regulator", "viewer"))) -> dict:
    sim = _sim(request)
    try:
        t = sim.terminal(serial)
    except KeyError:
        raise HTTPException(404, f"unknown serial: field 'serial', value {serial!r}") from None
    end = sim.now_utc + timedelta(seconds=sim.slot_s)
    h = sim.seconds(serial, end - timedelta(seconds=300), end)
    prov = None
    if who.role != "viewer":  # provenance is not map data
        try:
            prov = service.provenance(session, serial)
        except service.NotFound:
            prov = None
    state = {k: _num(v) for k, v in t.as_dict().items()}
    t0 = sim.start_utc
    return {"state": state, "provenance": prov,
            "history": {"t_s": [(x - t0).total_seconds() for x in h.t_utc],
                        "rtt_ms": [_num(float(v)) for v in h.pop_ping_latency_ms],
                        "downlink_bps": [_num(float(v) * 1e6) for v in h.downlink_mbps],
                        "pop_ping_latency_ms": [_num(float(v)) for v in h.pop_ping_latency_ms],
                        "pop_ping_drop_rate": [_num(float(v)) for v in h.pop_ping_drop_rate],
                        "downlink_mbps": [_num(float(v)) for v in h.downlink_mbps],
                        "uplink_mbps": [_num(float(v)) for v in h.uplink_mbps]}}


@router.get("/incidents")
def incidents(request: Request) -> list[dict]:
    return [i.as_dict() for i in _sim(request).incidents()]


@router.get("/incidents/report", response_class=Response, responses={
    200: {"description": "the evidence report (Markdown)", "content": {"text/plain": {"schema": {"type": "string"}}}}})
def incidents_report(request: Request, session: Session = Depends(read_db),
                     _: Principal = Depends(require("admin", "regulator"))) -> Response:
    """The evidence report (Markdown), regenerated from the live incidents at most every 15 s (cached)."""
    import tempfile
    from pathlib import Path

    sim = _sim(request)
    incidents = sim.incidents()
    key = (getattr(sim, "slot_index", None), len(incidents))
    hit = _REPORT_CACHE.get(id(sim))
    if hit is not None and hit[0] == key and time.monotonic() - hit[1] < REPORT_CACHE_S:
        return PlainTextResponse(hit[2])
    with tempfile.TemporaryDirectory(prefix="leonet-evidence-") as out:  # removed again: no leak per request
        paths = write_evidence(incidents, Path(out), zones_geojson(session))
        text = paths[1].read_text(encoding="utf-8")
    _REPORT_CACHE[id(sim)] = (key, time.monotonic(), text)
    return PlainTextResponse(text)  # the full report (HTML, map embedded): /api/v1/incidents/report


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
