"""Zones (GeoJSON upload) and their whitelists; ending either sets a validity end (never a delete)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access import lifecycle, service
from leonet.access.keys import Principal
from leonet.api.auth import require
from leonet.api.deps import read_db, write
from leonet.api.schemas import Id, In, Name, Serial, UtcDatetime
from leonet.store.models import WhitelistEntry, Zone

router = APIRouter(tags=["zones"])
READERS = require("admin", "regulator", "viewer")


class ZoneIn(In):
    name: Name
    kind: Literal["blocked_area", "whitelist_only", "monitoring", "disabled_cells"]
    geometry: dict
    reason: str = Field(min_length=1, max_length=2000)
    valid_from: UtcDatetime | None = None
    valid_to: UtcDatetime | None = None
    max_speed_kmh: float | None = Field(default=None, gt=0, le=5000)
    source: str = Field(default="", max_length=2000, description="where the boundary comes from (URL)")
    as_of: UtcDatetime | None = Field(default=None, description="the date the source describes")


class WhitelistIn(In):
    serial: Serial
    speed_exempt: bool = False


class EndIn(In):
    reason: str = Field(min_length=1, max_length=2000)
    valid_to: UtcDatetime | None = None


def _iso(t):
    return None if t is None else t.isoformat()


def zone_out(z: Zone) -> dict:
    return {"id": z.id, "name": z.name, "kind": z.kind, "geometry": z.geometry, "reason": z.reason,
            "valid_from": _iso(z.valid_from), "valid_to": _iso(z.valid_to), "max_speed_kmh": z.max_speed_kmh,
            "created_by": z.created_by, "source": z.source, "as_of": _iso(z.as_of)}


def entry_out(e: WhitelistEntry) -> dict:
    return {"zone_id": e.zone_id, "serial": e.terminal_serial, "speed_exempt": e.speed_exempt,
            "added_by": e.added_by, "added_at": _iso(e.added_at), "valid_to": _iso(e.valid_to),
            "ended_by": e.ended_by}


@router.post("/zones", status_code=201)
def create(body: ZoneIn, request: Request, who: Principal = Depends(require("admin"))) -> dict:
    geometry = body.geometry.get("geometry", body.geometry) if body.geometry.get("type") == "Feature" \
        else body.geometry
    with write(request) as session:
        out = zone_out(service.create_zone(session, who.name, body.name, body.kind, geometry, body.reason,
                                           body.valid_from, body.valid_to, body.max_speed_kmh, body.source,
                                           body.as_of))
    return out


@router.get("/zones")
def list_zones(session: Session = Depends(read_db), _: Principal = Depends(READERS)) -> list[dict]:
    return [zone_out(z) for z in session.execute(select(Zone).order_by(Zone.id)).scalars()]


@router.post("/zones/{zone_id}/end")
def end_zone(zone_id: Id, body: EndIn, request: Request, who: Principal = Depends(require("admin"))) -> dict:
    """The zone stops applying at ``valid_to`` (default now); audited; the zone is kept."""
    with write(request) as session:
        out = zone_out(lifecycle.end_zone(session, who.name, zone_id, body.reason, body.valid_to))
    return out


@router.post("/zones/{zone_id}/whitelist", status_code=201)
def add_to_whitelist(zone_id: Id, body: WhitelistIn, request: Request,
                     who: Principal = Depends(require("admin"))) -> dict:
    with write(request) as session:
        out = entry_out(service.whitelist(session, who.name, zone_id, body.serial, body.speed_exempt))
    return out


@router.post("/zones/{zone_id}/whitelist/{serial}/end")
def end_whitelist(zone_id: Id, serial: str, body: EndIn, request: Request,
                  who: Principal = Depends(require("admin"))) -> dict:
    """The terminal is no longer exempt in this zone from now on; audited; the entry is kept."""
    with write(request) as session:
        out = entry_out(lifecycle.end_whitelist(session, who.name, zone_id, serial, body.reason))
    return out


@router.get("/zones/{zone_id}/whitelist")
def get_whitelist(zone_id: Id, session: Session = Depends(read_db),
                  _: Principal = Depends(require("admin", "regulator"))) -> list[dict]:
    service.get_zone(session, zone_id)
    rows = session.execute(select(WhitelistEntry).where(WhitelistEntry.zone_id == zone_id)
                           .order_by(WhitelistEntry.id)).scalars()
    return [entry_out(e) for e in rows]
