"""Accounts and plans; lists are paged and scoped to the caller."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field
from sqlalchemy.orm import Session

from leonet.access import scope, service
from leonet.access.keys import Principal
from leonet.api.auth import require
from leonet.api.deps import read_db, write
from leonet.api.schemas import In, Iso2, Name, Serial, UtcDatetime
from leonet.store.models import Account

router = APIRouter(tags=["accounts"])
READERS = require("admin", "regulator", "reseller")


class AccountIn(In):
    number: Serial
    customer: Name
    plan: Literal["residential", "roam", "maritime", "aviation", "government"]
    home_country: Iso2
    status: Literal["active", "suspended", "disabled"] = "active"
    service_lat_deg: float | None = Field(default=None, ge=-90, le=90)
    service_lon_deg: float | None = Field(default=None, ge=-180, le=180)
    service_radius_km: float | None = Field(default=None, gt=0, le=20_000)
    allowed_regions: list[Iso2] = Field(default=[], max_length=300)
    max_speed_kmh: float | None = Field(default=None, gt=0, le=5000)
    abroad_since: UtcDatetime | None = None
    data_cap_gb: float | None = Field(default=None, gt=0, le=1e9)


class UsageIn(In):
    used_gb: float = Field(ge=0, le=1e9)


class StatusIn(In):
    status: Literal["active", "suspended", "disabled"]


def account_out(a: Account) -> dict:
    return {"number": a.number, "plan": a.plan, "status": a.status, "home_country": a.home_country,
            "service_lat_deg": a.service_lat_deg, "service_lon_deg": a.service_lon_deg,
            "service_radius_km": a.service_radius_km, "allowed_regions": a.allowed_regions,
            "max_speed_kmh": a.max_speed_kmh, "data_cap_gb": a.data_cap_gb, "data_used_gb": a.data_used_gb}


@router.post("/accounts", status_code=201)
def create(body: AccountIn, request: Request, who: Principal = Depends(require("admin"))) -> dict:
    with write(request) as session:
        out = account_out(service.create_account(session, who.name, **body.model_dump()))
    return out


@router.get("/accounts")
def list_accounts(offset: int = Query(0, ge=0, le=2**31 - 1), limit: int = Query(100, ge=1, le=1000),
                  session: Session = Depends(read_db), who: Principal = Depends(READERS)) -> list[dict]:
    """Accounts the caller may see (a reseller: those of terminals it holds or held), paged."""
    return [account_out(a) for a in scope.page(session, scope.accounts(who), offset, limit)]


@router.get("/accounts/{number}")
def get_account(number: str, session: Session = Depends(read_db), who: Principal = Depends(READERS)) -> dict:
    return account_out(scope.account(session, who, number))


@router.put("/accounts/{number}/status")
def set_status(number: str, body: StatusIn, request: Request, who: Principal = Depends(require("admin"))) -> dict:
    with write(request) as session:
        out = account_out(service.set_account_status(session, who.name, number, body.status))
    return out


@router.put("/accounts/{number}/usage")
def set_usage(number: str, body: UsageIn, request: Request, who: Principal = Depends(require("admin"))) -> dict:
    """Data used in the current billing period (metering); at or over the plan's cap the terminal is sandboxed."""
    with write(request) as session:
        out = account_out(service.record_usage(session, who.name, number, body.used_gb))
    return out
