"""Zones (GeoJSON upload) and their whitelists."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access import service
from leonet.api.auth import Principal, require
from leonet.api.deps import db, read_db
from leonet.store.models import WhitelistEntry, Zone

router = APIRouter(tags=["zones"])


class ZoneIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["blocked_area", "whitelist_only", "monitoring", "disabled_cells"]
    geometry: dict
    reason: str = Field(min_length=1)
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    max_speed_kmh: float | None = Field(default=None, gt=0)
    source: str = Field(default="", max_length=2000, description="where the boundary comes from (URL)")
    as_of: datetime | None = Field(default=None, description="the date the source describes")


class WhitelistIn(BaseModel):
    serial: str = Field(min_length=1, max_length=64)
    speed_exempt: bool = False


def zone_out(z: Zone) -> dict:
    return {"id": z.id, "name": z.name, "kind": z.kind, "geometry": z.geometry, "reason": z.reason,
            "valid_from": z.valid_from, "valid_to": z.valid_to, "max_speed_kmh": z.max_speed_kmh,
            "created_by": z.created_by, "source": z.source, "as_of": z.as_of}


@router.post("/zones", status_code=201)
def create(body: ZoneIn, session: Session = Depends(db), who: Principal = Depends(require("admin"))) -> dict:
    geometry = body.geometry.get("geometry", body.geometry) if body.geometry.get("type") == "Feature" \
        else body.geometry
    return zone_out(service.create_zone(session, who.name, body.name, body.kind, geometry, body.reason,
                                        body.valid_from, body.valid_to, body.max_speed_kmh, body.source, body.as_of))


@router.get("/zones")
def list_zones(session: Session = Depends(read_db),
               _: Principal = Depends(require("admin", "regulator"))) -> list[dict]:
    return [zone_out(z) for z in session.execute(select(Zone).order_by(Zone.id)).scalars()]


@router.post("/zones/{zone_id}/whitelist", status_code=201)
def add_to_whitelist(zone_id: int, body: WhitelistIn, session: Session = Depends(db),
                     who: Principal = Depends(require("admin"))) -> dict:
    e = service.whitelist(session, who.name, zone_id, body.serial, body.speed_exempt)
    return {"zone_id": e.zone_id, "serial": e.terminal_serial, "added_by": e.added_by, "added_at": e.added_at}


@router.get("/zones/{zone_id}/whitelist")
def get_whitelist(zone_id: int, session: Session = Depends(read_db),
                  _: Principal = Depends(require("admin", "regulator"))) -> list[dict]:
    service.get_zone(session, zone_id)
    rows = session.execute(select(WhitelistEntry).where(WhitelistEntry.zone_id == zone_id)).scalars()
    return [{"serial": e.terminal_serial, "speed_exempt": e.speed_exempt, "added_by": e.added_by,
             "added_at": e.added_at} for e in rows]
