"""Request-scoped store access. Writes go through ``write(request)`` inside the endpoint — committed before the
answer is built (``leonet.access.tx``) — never through a dependency whose teardown would commit after the response
had gone out. Reads use ``read_db`` (a read-only session: never the write lock)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from leonet.access import tx


def write(request: Request):
    """``with write(request) as session:`` one committed transaction."""
    return tx.write(request.app.state.sessions)


def read_db(request: Request) -> Iterator[Session]:
    with tx.read(request.app.state.sessions) as session:
        yield session
