"""Who is calling: ``Authorization: Bearer KEY`` or the browser session cookie ``leonet_session`` (traded for a
key at ``POST /api/v1/session``). The edge middleware (``api/edge.py``) resolves the caller once, before the body
is read; endpoints state the roles they allow with ``require(...)``. Key rules: ``leonet.access.keys``."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from leonet.access import keys
from leonet.access.keys import ROLES, Principal, key_hash  # noqa: F401  (re-exported)
from leonet.store.models import ApiKey
from leonet.store.session import reader

COOKIE = "leonet_session"
SESSION_MAX_S = 43_200  # 12 h
KEY_CACHE_S = 2.0  # a revoked key stops working within this long (at once on this server: revoke clears it)


class Authenticator:
    """Resolves keys (cached briefly) and browser sessions (in memory: a restart logs browsers out)."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions
        self._keys: dict[str, tuple[float, Principal | None]] = {}
        self._web: dict[str, tuple[int, float]] = {}  # sha256(cookie token) → (key id, expiry unix s)
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
        entry = self._web.get(key_hash(token))
        if entry is None or entry[1] <= time.time():
            return None
        cache_key = f"id:{entry[0]}"
        now = time.monotonic()
        hit = self._keys.get(cache_key)
        if hit is None or now - hit[0] >= KEY_CACHE_S:
            with reader(self.sessions)() as session:
                row = session.get(ApiKey, entry[0])
                who = None if row is None or not keys.active(row) else keys.principal_of(row)
            hit = (now, who)
            with self._lock:
                self._keys[cache_key] = hit
        return None if hit[1] is None else replace(hit[1], via="cookie")

    def open_session(self, who: Principal) -> tuple[str, datetime]:
        """A new opaque session token for the caller's key (valid 12 h, or until the key expires or is revoked)."""
        expires = datetime.now(UTC) + timedelta(seconds=SESSION_MAX_S)
        if who.expires_at is not None:
            expires = min(expires, who.expires_at)
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            self._web = {k: v for k, v in self._web.items() if v[1] > now}
            self._web[key_hash(token)] = (who.key_id, expires.timestamp())
        return token, expires

    def close_session(self, token: str) -> None:
        with self._lock:
            self._web.pop(key_hash(token), None)

    def session_expiry(self, token: str) -> datetime | None:
        entry = self._web.get(key_hash(token))
        return None if entry is None else datetime.fromtimestamp(entry[1], UTC)

    def forget(self) -> None:
        """Drop cached key lookups (after a revocation)."""
        with self._lock:
            self._keys.clear()

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
