"""API keys: create (shown once, only the SHA-256 stored), list, revoke, expire, rotate; who may mint what.

Roles, most to least powerful: admin (everything); regulator (reads licensing, zones, terminals, provenance,
incidents, audit; writes nothing); reseller (its own organisation's terminals, accounts and sales); viewer (the live
map, zones and an incident summary; no provenance, no accounts); terminal (its own terminal only). No caller mints a
key above its own reach: admin mints any; a regulator mints viewer keys; a reseller mints reseller keys for its
own organisation and terminal keys for terminals it holds or sold; viewer and terminal keys mint nothing. Keys are never
deleted: revoked (``revoked_at``) or expired (``expires_at``), each change in the audit log with its actor.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access import audit
from leonet.errors import LeonetInputError
from leonet.store.models import ApiKey, Organisation, Terminal, as_utc

ROLES = ("admin", "reseller", "regulator", "viewer", "terminal")
BOOTSTRAP_LABEL = "LEONET_ADMIN_KEY"


class KeyForbidden(PermissionError):
    pass


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    role: str
    name: str  # the key's owner: the actor named in the audit log
    organisation_id: int | None = None
    terminal_serial: str | None = None
    key_id: int | None = None
    expires_at: datetime | None = None
    via: str = "bearer"  # bearer | cookie


def key_out(k: ApiKey) -> dict:
    return {"id": k.id, "role": k.role, "owner": k.owner, "label": k.label, "organisation_id": k.organisation_id,
            "terminal_serial": k.terminal_serial, "created_at": _iso(k.created_at), "created_by": k.created_by,
            "expires_at": _iso(k.expires_at), "revoked_at": _iso(k.revoked_at), "revoked_by": k.revoked_by,
            "bootstrap": k.bootstrap}


def _iso(t: datetime | None) -> str | None:
    return None if t is None else as_utc(t).isoformat()


def active(k: ApiKey, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    return k.revoked_at is None and (k.expires_at is None or as_utc(k.expires_at) > now)


def principal_for(session: Session, token: str) -> Principal | None:
    """The principal a presented key stands for; None when unknown, revoked or expired."""
    row = session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash(token))).scalar_one_or_none()
    return None if row is None or not active(row) else principal_of(row)


def principal_of(row: ApiKey) -> Principal:
    return Principal(row.role, row.owner or row.label, row.organisation_id, row.terminal_serial, row.id,
                     as_utc(row.expires_at))


def check_mint(who: Principal | None, role: str, organisation_id: int | None, serial: str | None,
               session: Session) -> None:
    """Raise ``KeyForbidden`` unless ``who`` may mint a key of ``role`` (None = the system itself)."""
    if who is None or who.role == "admin":
        return
    if who.role == "regulator" and role == "viewer":
        return
    if who.role == "reseller" and role == "reseller" and organisation_id == who.organisation_id:
        return
    if who.role == "reseller" and role == "terminal" and serial:
        from leonet.access import scope

        if session.execute(scope.terminals(who).where(Terminal.serial == serial)).first() is not None:
            return
    raise KeyForbidden(f"role '{who.role}' may not mint a '{role}' key with this scope")


def create(session: Session, actor: Principal | None, role: str, owner: str = "", label: str = "",
           organisation: str | None = None, terminal_serial: str | None = None,
           expires_at: datetime | None = None, key: str | None = None, bootstrap: bool = False) -> tuple[str, ApiKey]:
    """Store a new key (or the given one); returns (plain key, row). The plain key is never stored."""
    if role not in ROLES:
        raise LeonetInputError(f"must be one of {', '.join(ROLES)}", field="role", value=role)
    org_id = None
    if organisation:
        org = session.execute(select(Organisation).where(Organisation.name == organisation)).scalar_one_or_none()
        if org is None:
            raise LeonetInputError("no such organisation", field="organisation", value=organisation)
        org_id = org.id
    if role == "reseller" and org_id is None:
        raise LeonetInputError("a reseller key needs its organisation", field="organisation", value=None)
    if role == "terminal":
        if not terminal_serial:
            raise LeonetInputError("a terminal key needs its serial", field="terminal_serial", value=None)
        if session.get(Terminal, terminal_serial) is None:
            raise LeonetInputError("unknown serial", field="terminal_serial", value=terminal_serial)
    now = datetime.now(UTC)
    if expires_at is not None and as_utc(expires_at) <= now:
        raise LeonetInputError("must be in the future", field="expires_at", value=_iso(expires_at))
    check_mint(actor, role, org_id, terminal_serial, session)
    if actor is not None and actor.expires_at is not None:  # a key never outlives the key that minted it
        expires_at = min(as_utc(expires_at), actor.expires_at) if expires_at else actor.expires_at
    key = key or "lk_" + secrets.token_urlsafe(24)
    actor_name = actor.name if actor else "system"
    owner = (owner or label or (organisation or terminal_serial or role)).strip()
    row = ApiKey(key_hash=key_hash(key), role=role, label=label or owner, owner=owner, organisation_id=org_id,
                 terminal_serial=terminal_serial if role == "terminal" else None, created_at=now,
                 created_by=actor_name, expires_at=expires_at, bootstrap=bootstrap)
    session.add(row)
    session.flush()
    audit.append(session, actor_name, "key.create", {**key_out(row), "key_hash": row.key_hash})
    return key, row


def visible(session: Session, who: Principal) -> list[ApiKey]:
    q = select(ApiKey).order_by(ApiKey.id)
    if who.role != "admin":
        q = q.where(ApiKey.organisation_id == who.organisation_id) if who.role == "reseller" and \
            who.organisation_id is not None else q.where(ApiKey.id == who.key_id)
    return list(session.execute(q).scalars())


def get_visible(session: Session, who: Principal, key_id: int) -> ApiKey:
    from leonet.access.service import NotFound

    row = session.get(ApiKey, key_id)
    if row is None or row not in visible(session, who):
        raise NotFound(f"unknown key: field 'key_id', value {key_id!r}")
    return row


def revoke(session: Session, who: Principal | None, key_id: int, reason: str = "") -> ApiKey:
    row = session.get(ApiKey, key_id) if who is None else get_visible(session, who, key_id)
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        row.revoked_by = who.name if who else "system"
        session.flush()
        audit.append(session, row.revoked_by, "key.revoke", {"id": row.id, "reason": reason,
                                                             "revoked_at": _iso(row.revoked_at)})
    return row


def rotate(session: Session, who: Principal, key_id: int) -> tuple[str, ApiKey]:
    """A new key with the same role, owner and scope; the old one is revoked in the same transaction."""
    old = get_visible(session, who, key_id)
    if not active(old):
        from leonet.access.service import Conflict

        raise Conflict(f"key {key_id} is revoked or expired; mint a new one")
    org = session.get(Organisation, old.organisation_id).name if old.organisation_id else None
    key, row = create(session, who, old.role, old.owner, old.label, org, old.terminal_serial, old.expires_at)
    revoke(session, who, key_id, reason=f"rotated to key {row.id}")
    return key, row


def ensure_bootstrap_admin(session: Session, key: str | None = None) -> None:
    """``LEONET_ADMIN_KEY`` is an admin key; setting a new one retires (revokes) the previous bootstrap key."""
    key = key if key is not None else os.environ.get("LEONET_ADMIN_KEY")
    if not key:
        return
    row = session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash(key))).scalar_one_or_none()
    if row is not None and row.revoked_at is not None:
        raise LeonetInputError("this LEONET_ADMIN_KEY was revoked (retired by a rotation or by an admin); set a "
                               "new one", field="LEONET_ADMIN_KEY")
    if row is None:
        _, row = create(session, None, "admin", BOOTSTRAP_LABEL, BOOTSTRAP_LABEL, key=key, bootstrap=True)
    for old in session.execute(select(ApiKey).where(ApiKey.bootstrap.is_(True), ApiKey.id != row.id,
                                                    ApiKey.revoked_at.is_(None))).scalars().all():
        revoke(session, None, old.id, reason="rotated: a new LEONET_ADMIN_KEY")
