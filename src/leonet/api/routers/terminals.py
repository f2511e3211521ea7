"""Terminals, their sales (provenance chain) and telemetry reports; lists are paged and scoped to the caller."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import Field
from sqlalchemy.orm import Session

from leonet.access import scope, service
from leonet.access.decisions import decide_and_record
from leonet.access.keys import Principal
from leonet.api.auth import require
from leonet.api.deps import read_db, write
from leonet.api.schemas import In, Iso2, Name, Serial, UtcDatetime
from leonet.store.models import Organisation, Terminal, Transfer

router = APIRouter(tags=["terminals"])
Offset = Query(0, ge=0, le=2**31 - 1)
Limit = Query(100, ge=1, le=1000)


class TerminalIn(In):
    serial: Serial
    kit_number: Serial
    hardware_version: Serial
    software_version: str = Field(default="", max_length=64)
    manufacturer: Name


class SaleIn(In):
    seller: Name
    buyer: Name
    at: UtcDatetime
    channel: Literal["direct", "indirect"]
    country: Iso2


class ActivateIn(In):
    account: Serial


class TelemetryIn(In):
    lat_deg: float | None = Field(default=None, ge=-90, le=90)
    lon_deg: float | None = Field(default=None, ge=-180, le=180)
    speed_kmh: float = Field(default=0.0, ge=0, le=5000)


def terminal_out(t: Terminal) -> dict:
    return {"serial": t.serial, "kit_number": t.kit_number, "hardware_version": t.hardware_version,
            "software_version": t.software_version, "holder_id": t.holder_id, "account_id": t.account_id,
            "last_code": t.last_code}


def sale_out(t: Transfer, names: dict[int, str]) -> dict:
    return {"id": t.id, "serial": t.terminal_serial, "seq": t.seq, "from": names.get(t.from_id),
            "to": names.get(t.to_id), "at": t.at.isoformat(), "channel": t.channel, "country": t.country,
            "recorded_by": t.recorded_by}


@router.post("/terminals", status_code=201)
def create(body: TerminalIn, request: Request, who: Principal = Depends(require("admin"))) -> dict:
    with write(request) as session:
        out = terminal_out(service.create_terminal(session, who.name, body.serial, body.kit_number,
                                                   body.hardware_version, body.manufacturer, body.software_version))
    return out


@router.get("/terminals")
def list_terminals(offset: int = Offset, limit: int = Limit, session: Session = Depends(read_db),
                   who: Principal = Depends(require("admin", "regulator", "reseller", "terminal"))) -> list[dict]:
    """Terminals the caller may see, by serial, paged (``offset``, ``limit``)."""
    return [terminal_out(t) for t in scope.page(session, scope.terminals(who), offset, limit)]


@router.get("/terminals/{serial}")
def get(serial: str, session: Session = Depends(read_db),
        who: Principal = Depends(require("admin", "regulator", "reseller", "terminal"))) -> dict:
    return terminal_out(scope.terminal(session, who, serial))


@router.post("/terminals/{serial}/sales", status_code=201)
def record_sale(serial: str, body: SaleIn, request: Request,
                who: Principal = Depends(require("admin", "reseller"))) -> dict:
    acting = who.organisation_id if who.role == "reseller" else None
    with write(request) as session:
        if who.role == "reseller":
            if service.get_org(session, body.seller).id != who.organisation_id:
                raise service.Forbidden("a reseller may record only its own sales")
            scope.terminal(session, who, serial)  # 404 for a terminal it never held
        t = service.record_sale(session, who.name, serial, body.seller, body.buyer, body.at, body.channel,
                                body.country, acting_org_id=acting)
        out = {"serial": serial, "seq": t.seq, "channel": t.channel, "country": t.country}
    return out


@router.get("/sales")
def list_sales(offset: int = Offset, limit: int = Limit, session: Session = Depends(read_db),
               who: Principal = Depends(require("admin", "regulator", "reseller"))) -> list[dict]:
    """Sales the caller is party to (admin, regulator: all), oldest first, paged."""
    names = {o.id: o.name for o in session.query(Organisation)}
    return [sale_out(t, names) for t in scope.page(session, scope.sales(who), offset, limit)]


@router.get("/terminals/{serial}/provenance", tags=["provenance"])
def provenance(serial: str, session: Session = Depends(read_db),
               who: Principal = Depends(require("admin", "regulator", "reseller"))) -> dict:
    scope.terminal(session, who, serial)
    return service.provenance(session, serial)


@router.get("/provenance/sold-into/{country}", tags=["provenance"])
def sold_into(country: str, session: Session = Depends(read_db),
              _: Principal = Depends(require("admin", "regulator"))) -> list[dict]:
    return service.terminals_sold_into(session, country)


@router.post("/terminals/{serial}/activate")
def activate(serial: str, body: ActivateIn, request: Request, who: Principal = Depends(require("admin"))) -> dict:
    with write(request) as session:
        out = terminal_out(service.activate(session, who.name, serial, body.account))
    return out


@router.post("/terminals/{serial}/telemetry")
def telemetry(serial: str, body: TelemetryIn, request: Request,
              who: Principal = Depends(require("admin", "terminal"))) -> dict:
    """A terminal reports where it is and how fast it moves; the answer is its decision now."""
    if who.role == "terminal" and who.terminal_serial != serial:
        raise HTTPException(403, "a terminal key may report telemetry only for its own terminal")
    with write(request) as session:
        service.get_terminal(session, serial)
        out = decide_and_record(session, who.name, serial, body.lat_deg, body.lon_deg, datetime.now(UTC),
                                body.speed_kmh).as_dict()
    return out
