"""Organisations: manufacturers, distributors, resellers, customers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access import service
from leonet.api.auth import Principal, create_key, require
from leonet.api.deps import db, read_db
from leonet.store.models import Organisation

router = APIRouter(tags=["organisations"])


class OrgIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["manufacturer", "distributor", "reseller", "customer"]
    country: str = Field(min_length=2, max_length=2)


class KeyIn(BaseModel):
    role: Literal["admin", "reseller", "regulator", "terminal"]
    label: str = ""
    organisation: str | None = None
    terminal_serial: str | None = None


def org_out(o: Organisation) -> dict:
    return {"id": o.id, "name": o.name, "kind": o.kind, "country": o.country}


@router.post("/organisations", status_code=201)
def create(body: OrgIn, session: Session = Depends(db), who: Principal = Depends(require("admin"))) -> dict:
    return org_out(service.create_org(session, who.name, body.name, body.kind, body.country))


@router.get("/organisations")
def list_orgs(session: Session = Depends(read_db), _: Principal = Depends(require("admin", "regulator"))) -> list:
    return [org_out(o) for o in session.execute(select(Organisation).order_by(Organisation.id)).scalars()]


@router.post("/keys", status_code=201, tags=["auth"])
def new_key(body: KeyIn, session: Session = Depends(db), who: Principal = Depends(require("admin"))) -> dict:
    """Create an API key (returned once). Reseller keys name their organisation, terminal keys their serial."""
    org_id = service.get_org(session, body.organisation).id if body.organisation else None
    if body.role == "reseller" and org_id is None:
        from leonet.errors import LeonetInputError

        raise LeonetInputError("a reseller key needs its organisation", field="organisation", value=None)
    if body.role == "terminal":
        from leonet.errors import LeonetInputError

        if not body.terminal_serial:
            raise LeonetInputError("a terminal key needs its serial", field="terminal_serial", value=None)
        service.get_terminal(session, body.terminal_serial)
    key = create_key(session, body.role, body.label, org_id, body.terminal_serial)
    from leonet.access import audit

    audit.append(session, who.name, "key.create", {"role": body.role, "label": body.label})
    return {"key": key, "role": body.role}
