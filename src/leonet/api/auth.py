"""Who is calling: ``Authorization: Bearer KEY`` or the browser session cookie ``leonet_session`` (traded for a
key at ``POST /api/v1/session``; the token is stored only as its SHA-256 in ``web_sessions``). The edge middleware
(``api/edge.py``) resolves the caller once, before the body is read; endpoints state the roles they allow with
``require(...)``. Key rules: ``leonet.access.keys``."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fastapi import Depends, HTTPException, Request
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from leonet.access import audit, keys, tx
from leonet.access.keys import ROLES, Principal, key_hash  # noqa: F401  (re-exported)
from leonet.store.models import ApiKey, WebSession, as_utc
from leonet.store.session import reader

COOKIE = "leonet_session"
SESSION_MAX_S = 43_200  # 12 h
SESSION_KEEP_S = 7 * 86_400  # an expired or ended session row is deleted this long after (its audit records stay)
KEY_CACHE_S = 2.0  # a revoked key stops working within this long (at once on this server: revoke clears it)


class Authenticator:
    """Resolves keys and browser sessions (both stored hashed; lookups cached for KEY_CACHE_S)."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions
        self._keys: dict[str, tuple[float, Principal | None]] = {}
        self._web: dict[str, tuple] = {}  # sha256(cookie token) → (looked up at, principal, expiry)
        self._lock = threading.Lock()

    def by_key(self, token: str) -> Principal | None:
        h = key_hash(token)
        now = time.monotonic()
        hit = self._keys.get(h)
        if hit is not None and now - hit[0] < KEY_CACHE_S:
            return hit[1]
        with reader(self.sessions)() as session:
            who = keys.principal_for(session, token)
        with self._lock:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[h] = (now, who)
        return who

    def by_cookie(self, token: str) -> Principal | None:
        hit = self._web_hit(token)
        if hit[1] is None or hit[2] is None or hit[2] <= datetime.now(UTC):
            return None
        return hit[1]

    def _web_hit(self, token: str) -> tuple[float, Principal | None, datetime | None]:
        """(looked up at, principal via cookie or None, session expiry) — from the store at most every
        KEY_CACHE_S (a session ended or a key revoked on another server stops within that; on this one at once)."""
        h = key_hash(token)
        now = time.monotonic()
        hit = self._web.get(h)
        if hit is not None and now - hit[0] < KEY_CACHE_S:
            return hit
        with reader(self.sessions)() as session:
            row = session.execute(select(WebSession, ApiKey).join(ApiKey, ApiKey.id == WebSession.key_id)
                                  .where(WebSession.token_hash == h)).first()
        who, expires = None, None
        if row is not None and row[0].ended_at is None and keys.active(row[1]):
            who = replace(keys.principal_of(row[1]), via="cookie")
            expires = as_utc(row[0].expires_at)
        hit = (now, who, expires)
        with self._lock:
            if len(self._web) > 10_000:
                self._web.clear()
            self._web[h] = hit
        return hit

    def open_session(self, who: Principal) -> tuple[str, datetime]:
        """A new opaque session token for the caller's key (valid 12 h, or until the key expires or is revoked),
        stored only as its SHA-256 (a restart keeps browsers logged in; a database reader cannot replay it). The login
        is audited (``session.open``: session id, key id, role, expiry; never the token), in the same transaction;
        rows that expired or ended more than SESSION_KEEP_S ago are deleted (the audit log keeps their history)."""
        now = datetime.now(UTC)
        expires = now + timedelta(seconds=SESSION_MAX_S)
        if who.expires_at is not None:
            expires = min(expires, who.expires_at)
        token = secrets.token_urlsafe(32)
        with tx.write(self.sessions) as session:
            stale = now - timedelta(seconds=SESSION_KEEP_S)
            session.execute(delete(WebSession).where(or_(WebSession.expires_at < stale, WebSession.ended_at < stale)))
            row = WebSession(token_hash=key_hash(token), key_id=who.key_id, created_at=now, expires_at=expires)
            session.add(row)
            session.flush()
            audit.append(session, who.name, "session.open", {"id": row.id, "key_id": who.key_id, "role": who.role,
                                                             "expires_at": expires.isoformat()}, at=now)
        return token, expires

    def close_session(self, token: str, who: Principal) -> None:
        """Log out: the session row gets an end time (deleted SESSION_KEEP_S later), audited as ``session.close``."""
        h = key_hash(token)
        now = datetime.now(UTC)
        with tx.write(self.sessions) as session:
            ended = session.execute(update(WebSession).where(WebSession.token_hash == h, WebSession.ended_at.is_(None))
                                    .values(ended_at=now).returning(WebSession.id)).scalars().all()
            for sid in ended:
                audit.append(session, who.name, "session.close", {"id": sid, "key_id": who.key_id}, at=now)
        with self._lock:
            self._web.pop(h, None)

    def session_expiry(self, token: str) -> datetime | None:
        return self._web_hit(token)[2]

    def forget(self) -> None:
        """Drop cached key and session lookups (after a revocation)."""
        with self._lock:
            self._keys.clear()
            self._web.clear()

    def cached(self, authorization: str | None) -> tuple[Principal, str] | None:
        """The Bearer key's principal if it was resolved (and valid) less than KEY_CACHE_S ago, else None."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        hit = self._keys.get(key_hash(token.strip()))
        if hit is None or hit[1] is None or time.monotonic() - hit[0] >= KEY_CACHE_S:
            return None
        return hit[1], ""

    def resolve(self, authorization: str | None, cookie: str | None) -> tuple[Principal | None, str]:
        """(principal or None, why not). The Bearer header wins over the cookie."""
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return None, "malformed Authorization header: send 'Authorization: Bearer KEY'"
            who = self.by_key(token.strip())
            return who, "" if who else "unknown, revoked or expired API key"
        if cookie:
            who = self.by_cookie(cookie)
            return who, "" if who else "session expired or logged out: log in again"
        return None, "missing API key: send 'Authorization: Bearer KEY' (or log in for a session cookie)"


def principal(request: Request) -> Principal:
    """The caller, as resolved by the edge middleware (or here, for an app without it)."""
    who = getattr(request.state, "principal", None)
    if who is not None:
        return who
    who, why = request.app.state.auth.resolve(request.headers.get("authorization"), request.cookies.get(COOKIE))
    if who is None:
        raise HTTPException(401, why, headers={"WWW-Authenticate": "Bearer"})
    return who


def require(*roles: str):
    """Dependency: the caller's principal, if its role is one of ``roles`` (403 otherwise)."""

    def check(who: Principal = Depends(principal)) -> Principal:
        if who.role not in roles:
            raise HTTPException(403, f"role '{who.role}' may not do this (needs {' or '.join(roles)})")
        return who

    return check


def ensure_env_admin_key(session: Session) -> None:
    keys.ensure_bootstrap_admin(session)
