"""Transaction boundaries, in one place. ``write`` is one short transaction that is committed — durable, and
visible to the next request — when the block ends, before the caller builds its answer; an exception rolls it
back. ``read`` never takes a write lock. The API, the CLI and the simulation all change the store through here
(or ``sessionmaker.begin()``, which commits the same way)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from leonet.store.session import reader


@contextmanager
def write(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions.begin() as session:  # the audit checkpoint follows each commit (leonet.access.checkpoint)
        yield session


@contextmanager
def read(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with reader(sessions)() as session:
        yield session
