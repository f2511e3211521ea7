"""POST /decisions: single or batch. Each decision is recorded (history) and committed before the answer."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from leonet.access.decisions import decide_and_record, decide_many_and_record
from leonet.access.keys import Principal
from leonet.api.auth import require
from leonet.api.deps import write
from leonet.api.schemas import In, Serial, UtcDatetime

router = APIRouter(tags=["decisions"])


class DecisionIn(In):
    serial: Serial
    lat_deg: float | None = Field(default=None, ge=-90, le=90)
    lon_deg: float | None = Field(default=None, ge=-180, le=180)
    speed_kmh: float = Field(default=0.0, ge=0, le=5000)
    at: UtcDatetime | None = None


class BatchIn(In):
    terminals: list[DecisionIn] = Field(min_length=1, max_length=100_000)
    at: UtcDatetime | None = None


@router.post("/decisions")
def decide_one(body: DecisionIn, request: Request, who: Principal = Depends(require("admin"))) -> dict:
    at = body.at or datetime.now(UTC)
    with write(request) as session:
        d = decide_and_record(session, who.name, body.serial, body.lat_deg, body.lon_deg, at, body.speed_kmh)
    return {"serial": body.serial, **d.as_dict()}


@router.post("/decisions/batch")
def decide_batch(body: BatchIn, request: Request, who: Principal = Depends(require("admin"))) -> dict:
    at = body.at or datetime.now(UTC)
    rows = body.terminals
    with write(request) as session:
        result = decide_many_and_record(session, who.name, [r.serial for r in rows],
                                        [float("nan") if r.lat_deg is None else r.lat_deg for r in rows],
                                        [float("nan") if r.lon_deg is None else r.lon_deg for r in rows], at,
                                        [r.speed_kmh for r in rows])
    return {"policy_version": result.policy_version,
            "decisions": [{"serial": r.serial, **result.decision(i).as_dict()} for i, r in enumerate(rows)]}
