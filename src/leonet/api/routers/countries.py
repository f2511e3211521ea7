"""Countries and their licensing status."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access import service
from leonet.access.keys import Principal
from leonet.api.auth import require
from leonet.api.deps import read_db, write
from leonet.api.schemas import In, UtcDatetime
from leonet.store.models import Country

router = APIRouter(tags=["licensing"])


class CountryIn(In):
    name: str = Field(min_length=1, max_length=120)
    status: Literal["licensed", "not_licensed", "blocked", "unknown"]
    source: str = Field(default="", max_length=2000)
    valid_from: UtcDatetime | None = None
    valid_to: UtcDatetime | None = None
    gateway_required_in_country: bool = False
    source_date: UtcDatetime | None = None
    note: str = Field(default="", max_length=2000)


def period_out(p) -> dict:
    return {"status": p.status, "valid_from": p.valid_from, "valid_to": p.valid_to, "source": p.source,
            "source_date": p.source_date, "note": p.note}


def country_out(c: Country) -> dict:
    return {"iso_a2": c.iso_a2, "name": c.name, "status": c.status, "source": c.source,
            "valid_from": c.valid_from and c.valid_from.isoformat(), "valid_to": c.valid_to and c.valid_to.isoformat(),
            "gateway_required_in_country": c.gateway_required_in_country}


@router.get("/countries")
def list_countries(session: Session = Depends(read_db), _: Principal = Depends(require("admin", "regulator",
                                                                                      "reseller"))) -> list[dict]:
    return [country_out(c) for c in session.execute(select(Country).order_by(Country.iso_a2)).scalars()]


@router.put("/countries/{iso_a2}")
def put_country(iso_a2: str, body: CountryIn, request: Request, who: Principal = Depends(require("admin"))) -> dict:
    with write(request) as session:
        out = country_out(service.set_country(session, who.name, iso_a2, body.name, body.status, body.source,
                                              body.valid_from, body.valid_to, body.gateway_required_in_country,
                                              body.source_date, body.note))
    return out


@router.get("/countries/{iso_a2}/history")
def country_history(iso_a2: str, session: Session = Depends(read_db),
                    _: Principal = Depends(require("admin", "regulator", "reseller"))) -> list[dict]:
    """Every licensing period of one country, oldest first (decisions use the one valid at their time)."""
    return [period_out(p) for p in service.country_history(session, iso_a2.upper())]
