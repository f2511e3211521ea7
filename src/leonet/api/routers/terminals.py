"""Terminals, their sales (provenance chain) and telemetry reports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from leonet.access import service
from leonet.access.decisions import decide_and_record
from leonet.api.auth import Principal, require
from leonet.api.deps import db, read_db
from leonet.store.models import Terminal

router = APIRouter(tags=["terminals"])


class TerminalIn(BaseModel):
    serial: str = Field(min_length=1, max_length=64)
    kit_number: str = Field(min_length=1, max_length=64)
    hardware_version: str = Field(min_length=1, max_length=64)
    software_version: str = ""
    manufacturer: str


class SaleIn(BaseModel):
    seller: str
    buyer: str
    at: datetime
    channel: Literal["direct", "indirect"]
    country: str = Field(min_length=2, max_length=2)


class ActivateIn(BaseModel):
    account: str


class TelemetryIn(BaseModel):
    lat_deg: float | None = Field(default=None, ge=-90, le=90)
    lon_deg: float | None = Field(default=None, ge=-180, le=180)
    speed_kmh: float = Field(default=0.0, ge=0, le=5000)


def terminal_out(t: Terminal) -> dict:
    return {"serial": t.serial, "kit_number": t.kit_number, "hardware_version": t.hardware_version,
            "software_version": t.software_version, "holder_id": t.holder_id, "account_id": t.account_id,
            "last_code": t.last_code}


@router.post("/terminals", status_code=201)
def create(body: TerminalIn, session: Session = Depends(db), who: Principal = Depends(require("admin"))) -> dict:
    return terminal_out(service.create_terminal(session, who.name, body.serial, body.kit_number,
                                                body.hardware_version, body.manufacturer, body.software_version))


@router.get("/terminals/{serial}")
def get(serial: str, session: Session = Depends(read_db),
        _: Principal = Depends(require("admin", "regulator"))) -> dict:
    return terminal_out(service.get_terminal(session, serial))


@router.post("/terminals/{serial}/sales", status_code=201)
def record_sale(serial: str, body: SaleIn, session: Session = Depends(db),
                who: Principal = Depends(require("admin", "reseller"))) -> dict:
    acting = who.organisation_id if who.role == "reseller" else None
    t = service.record_sale(session, who.name, serial, body.seller, body.buyer, body.at, body.channel,
                            body.country, acting_org_id=acting)
    return {"serial": serial, "seq": t.seq, "channel": t.channel, "country": t.country}


@router.get("/terminals/{serial}/provenance", tags=["provenance"])
def provenance(serial: str, session: Session = Depends(read_db),
               _: Principal = Depends(require("admin", "regulator"))) -> dict:
    return service.provenance(session, serial)


@router.get("/provenance/sold-into/{country}", tags=["provenance"])
def sold_into(country: str, session: Session = Depends(read_db),
              _: Principal = Depends(require("admin", "regulator"))) -> list[dict]:
    return service.terminals_sold_into(session, country)


@router.post("/terminals/{serial}/activate")
def activate(serial: str, body: ActivateIn, session: Session = Depends(db),
             who: Principal = Depends(require("admin"))) -> dict:
    return terminal_out(service.activate(session, who.name, serial, body.account))


@router.post("/terminals/{serial}/telemetry")
def telemetry(serial: str, body: TelemetryIn, request: Request, session: Session = Depends(db),
              who: Principal = Depends(require("admin", "terminal"))) -> dict:
    """A terminal reports where it is and how fast it moves; the answer is its decision now."""
    if who.role == "terminal" and who.terminal_serial != serial:
        raise HTTPException(403, "a terminal key may report telemetry only for its own terminal")
    service.get_terminal(session, serial)
    decision = decide_and_record(session, who.name, serial, body.lat_deg, body.lon_deg, datetime.now(UTC),
                                 body.speed_kmh)
    return decision.as_dict()
