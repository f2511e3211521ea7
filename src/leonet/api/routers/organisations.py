"""Organisations: manufacturers, distributors, resellers, customers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access import service
from leonet.access.keys import Principal
from leonet.api.auth import require
from leonet.api.deps import read_db, write
from leonet.api.schemas import In, Iso2, Name
from leonet.store.models import Organisation

router = APIRouter(tags=["organisations"])


class OrgIn(In):
    name: Name
    kind: Literal["manufacturer", "distributor", "reseller", "customer"]
    country: Iso2


def org_out(o: Organisation) -> dict:
    return {"id": o.id, "name": o.name, "kind": o.kind, "country": o.country}


@router.post("/organisations", status_code=201)
def create(body: OrgIn, request: Request, who: Principal = Depends(require("admin"))) -> dict:
    with write(request) as session:
        out = org_out(service.create_org(session, who.name, body.name, body.kind, body.country))
    return out


@router.get("/organisations")
def list_orgs(offset: int = Query(0, ge=0, le=2**31 - 1), limit: int = Query(1000, ge=1, le=1000),
              session: Session = Depends(read_db), _: Principal = Depends(require("admin", "regulator"))) -> list:
    q = select(Organisation).order_by(Organisation.id).offset(offset).limit(limit)
    return [org_out(o) for o in session.execute(q).scalars()]
