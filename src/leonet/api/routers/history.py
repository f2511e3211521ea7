"""Decision history: every decision the API answered, per terminal and per zone (``?since=`` an instant)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access import scope, service
from leonet.access.keys import Principal
from leonet.api.auth import require
from leonet.api.deps import read_db
from leonet.api.schemas import EARLIEST_UTC, Id, _sane_utc
from leonet.store.models import DecisionRecord

router = APIRouter(tags=["decisions"])


def _since(since: datetime | None) -> datetime:
    if since is None:
        return EARLIEST_UTC
    try:
        return _sane_utc(since)
    except ValueError as exc:
        raise HTTPException(422, f"field 'since': {exc} (value {since.isoformat()!r})") from None


def decision_out(d: DecisionRecord) -> dict:
    at = d.at if d.at.tzinfo else d.at.replace(tzinfo=UTC)
    return {"id": d.id, "serial": d.serial, "at": at.isoformat(), "code": d.code, "reasons": d.reasons,
            "lat_deg": d.lat_deg, "lon_deg": d.lon_deg, "speed_kmh": d.speed_kmh, "zone_id": d.zone_id,
            "policy_version": d.policy_version, "actor": d.actor}


def _query(where, since: datetime, limit: int):
    return select(DecisionRecord).where(where, DecisionRecord.at >= since) \
        .order_by(DecisionRecord.at, DecisionRecord.id).limit(limit)


@router.get("/terminals/{serial}/decisions")
def terminal_decisions(serial: str, since: datetime | None = None, limit: int = Query(1000, ge=1, le=10_000),
                       session: Session = Depends(read_db),
                       who: Principal = Depends(require("admin", "regulator", "reseller", "terminal"))) -> list[dict]:
    """Decisions for this terminal at or after ``since`` (ISO-8601), oldest first."""
    scope.terminal(session, who, serial)
    rows = session.execute(_query(DecisionRecord.serial == serial, _since(since), limit)).scalars()
    return [decision_out(d) for d in rows]


@router.get("/zones/{zone_id}/decisions")
def zone_decisions(zone_id: Id, since: datetime | None = None, limit: int = Query(1000, ge=1, le=10_000),
                   session: Session = Depends(read_db),
                   _: Principal = Depends(require("admin", "regulator"))) -> list[dict]:
    """Decisions for positions inside this zone (the first active zone containing them) at or after ``since``."""
    service.get_zone(session, zone_id)
    rows = session.execute(_query(DecisionRecord.zone_id == zone_id, _since(since), limit)).scalars()
    return [decision_out(d) for d in rows]
