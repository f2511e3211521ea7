"""Browser sessions: trade a key for an HttpOnly, SameSite=Strict cookie (the dashboard never keeps the key)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from leonet.access.keys import Principal
from leonet.api.auth import COOKIE, principal

router = APIRouter(tags=["auth"])


class SessionOut(BaseModel):
    role: str
    owner: str
    expires_utc: str | None


@router.post("/session")
def login(request: Request, response: Response, who: Principal = Depends(principal)) -> SessionOut:
    """Send ``Authorization: Bearer KEY``; answers who you are and sets the ``leonet_session`` cookie (at most
    12 h, never beyond the key's own expiry; revoking the key ends the session)."""
    token, expires = request.app.state.auth.open_session(who)
    max_age = max(1, int(expires.timestamp() - __import__("time").time()))
    response.set_cookie(COOKIE, token, max_age=max_age, path="/", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return SessionOut(role=who.role, owner=who.name, expires_utc=expires.isoformat())


@router.get("/session")
def whoami(request: Request, who: Principal = Depends(principal)) -> SessionOut:
    """Who the caller is (by key or cookie) and when that ends."""
    expires = request.app.state.auth.session_expiry(request.cookies.get(COOKIE, "")) if who.via == "cookie" \
        else who.expires_at
    return SessionOut(role=who.role, owner=who.name, expires_utc=expires.isoformat() if expires else None)


@router.delete("/session")
def logout(request: Request, response: Response, who: Principal = Depends(principal)) -> SessionOut:
    """End the browser session (the key itself stays valid)."""
    token = request.cookies.get(COOKIE)
    if token:
        request.app.state.auth.close_session(token, who)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return SessionOut(role=who.role, owner=who.name, expires_utc=None)
