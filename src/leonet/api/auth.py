"""API keys and roles. Keys travel as ``Authorization: Bearer KEY``; only their SHA-256 is stored.

Roles: admin (everything); reseller (records sales of terminals its organisation holds); regulator (read-only:
licensing, zones, incidents, audit); terminal (reports telemetry for itself only). ``LEONET_ADMIN_KEY``, when set,
is an admin key from the first start on.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.store.models import ApiKey

ROLES = ("admin", "reseller", "regulator", "terminal")


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    role: str
    name: str
    organisation_id: int | None = None
    terminal_serial: str | None = None


def create_key(session: Session, role: str, label: str = "", organisation_id: int | None = None,
               terminal_serial: str | None = None, key: str | None = None) -> str:
    """Store a new key (or the given one) and return the plain key (shown once)."""
    key = key or "lk_" + secrets.token_urlsafe(24)
    session.add(ApiKey(key_hash=key_hash(key), role=role, label=label or role, organisation_id=organisation_id,
                       terminal_serial=terminal_serial))
    session.flush()
    return key


def ensure_env_admin_key(session: Session) -> None:
    key = os.environ.get("LEONET_ADMIN_KEY")
    if key and session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash(key))).scalar_one_or_none() is None:
        create_key(session, "admin", "LEONET_ADMIN_KEY", key=key)


def principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "missing API key: send 'Authorization: Bearer KEY'",
                            headers={"WWW-Authenticate": "Bearer"})
    with request.app.state.sessions() as session:
        row = session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash(token.strip()))).scalar_one_or_none()
    if row is None:
        raise HTTPException(401, "unknown API key", headers={"WWW-Authenticate": "Bearer"})
    return Principal(row.role, row.label, row.organisation_id, row.terminal_serial)


def require(*roles: str):
    """Dependency: the caller's principal, if its role is one of ``roles`` (403 otherwise)."""

    def check(who: Principal = Depends(principal)) -> Principal:
        if who.role not in roles:
            raise HTTPException(403, f"role '{who.role}' may not do this (needs {' or '.join(roles)})")
        return who

    return check
