"""Request-scoped dependencies: one database transaction per request (commit on success, roll back on error)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session


def db(request: Request) -> Iterator[Session]:
    with request.app.state.sessions.begin() as session:
        yield session


def read_db(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session
