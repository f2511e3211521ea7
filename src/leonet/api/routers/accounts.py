"""Accounts and plans."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from leonet.access import service
from leonet.api.auth import Principal, require
from leonet.api.deps import db
from leonet.store.models import Account

router = APIRouter(tags=["accounts"])


class AccountIn(BaseModel):
    number: str = Field(min_length=1, max_length=64)
    customer: str
    plan: Literal["residential", "roam", "maritime", "aviation", "government"]
    home_country: str = Field(min_length=2, max_length=2)
    status: Literal["active", "suspended", "disabled"] = "active"
    service_lat_deg: float | None = Field(default=None, ge=-90, le=90)
    service_lon_deg: float | None = Field(default=None, ge=-180, le=180)
    service_radius_km: float | None = Field(default=None, gt=0)
    allowed_regions: list[str] = []
    max_speed_kmh: float | None = Field(default=None, gt=0)
    abroad_since: datetime | None = None
    data_cap_gb: float | None = Field(default=None, gt=0)


class UsageIn(BaseModel):
    used_gb: float = Field(ge=0, allow_inf_nan=False)


class StatusIn(BaseModel):
    status: Literal["active", "suspended", "disabled"]


def account_out(a: Account) -> dict:
    return {"number": a.number, "plan": a.plan, "status": a.status, "home_country": a.home_country,
            "service_lat_deg": a.service_lat_deg, "service_lon_deg": a.service_lon_deg,
            "service_radius_km": a.service_radius_km, "allowed_regions": a.allowed_regions,
            "max_speed_kmh": a.max_speed_kmh, "data_cap_gb": a.data_cap_gb, "data_used_gb": a.data_used_gb}


@router.post("/accounts", status_code=201)
def create(body: AccountIn, session: Session = Depends(db), who: Principal = Depends(require("admin"))) -> dict:
    return account_out(service.create_account(session, who.name, **body.model_dump()))


@router.put("/accounts/{number}/status")
def set_status(number: str, body: StatusIn, session: Session = Depends(db),
               who: Principal = Depends(require("admin"))) -> dict:
    return account_out(service.set_account_status(session, who.name, number, body.status))


@router.put("/accounts/{number}/usage")
def set_usage(number: str, body: UsageIn, session: Session = Depends(db),
              who: Principal = Depends(require("admin"))) -> dict:
    """Data used in the current billing period (metering); at or over the plan's cap the terminal is sandboxed."""
    return account_out(service.record_usage(session, who.name, number, body.used_gb))
