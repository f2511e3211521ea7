"""API keys: mint (returned once), list, revoke, rotate. Never deleted; every change audited with its actor."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field
from sqlalchemy.orm import Session

from leonet.access import keys
from leonet.access.keys import Principal
from leonet.api.auth import require
from leonet.api.deps import read_db, write
from leonet.api.schemas import Id, In, Name, Serial, UtcDatetime

router = APIRouter(tags=["auth"])
MINTERS = require("admin", "regulator", "reseller")


class KeyIn(In):
    role: Literal["admin", "reseller", "regulator", "viewer", "terminal"]
    owner: str = Field(default="", max_length=120, description="who holds the key: the actor named in the audit log")
    label: str = Field(default="", max_length=120)
    organisation: Name | None = None
    terminal_serial: Serial | None = None
    expires_at: UtcDatetime | None = None


@router.post("/keys", status_code=201)
def new_key(body: KeyIn, request: Request, who: Principal = Depends(MINTERS)) -> dict:
    """Create an API key (the plain key is in this answer only). Reseller keys name their organisation, terminal
    keys their serial. No caller mints a key above its own reach (see docs/access.md)."""
    with write(request) as session:
        key, row = keys.create(session, who, body.role, body.owner, body.label, body.organisation,
                               body.terminal_serial, body.expires_at)
        out = {"key": key, **keys.key_out(row)}
    return out


@router.get("/keys")
def list_keys(offset: int = Query(0, ge=0, le=2**31 - 1), limit: int = Query(100, ge=1, le=1000),
              session: Session = Depends(read_db), who: Principal = Depends(MINTERS)) -> list[dict]:
    """Keys the caller may manage (admin: all; reseller: its organisation's), oldest first. No hashes."""
    return [keys.key_out(k) for k in keys.visible(session, who)[offset:offset + limit]]


@router.post("/keys/{key_id}/revoke")
def revoke(key_id: Id, request: Request, who: Principal = Depends(MINTERS)) -> dict:
    with write(request) as session:
        out = keys.key_out(keys.revoke(session, who, key_id))
    request.app.state.auth.forget()
    return out


@router.post("/keys/{key_id}/rotate", status_code=201)
def rotate(key_id: Id, request: Request, who: Principal = Depends(MINTERS)) -> dict:
    """A new key with the same role, owner and scope; the old one is revoked."""
    with write(request) as session:
        key, row = keys.rotate(session, who, key_id)
        out = {"key": key, **keys.key_out(row)}
    request.app.state.auth.forget()
    return out
