"""Open the store: an engine and session factory for a SQLAlchemy URL, schema upgraded with Alembic."""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///leonet.sqlite"


def default_url() -> str:
    return os.environ.get("LEONET_DB", DEFAULT_URL)


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs (use psycopg 3) and bare file paths (SQLite)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    return url


# Connections the API may hold at once: its bounded in-flight requests (api/limits.py: MAX_IN_FLIGHT) each use one
# connection at a time, plus headroom for the live simulation's writer and the CLI. Never fewer than the threads that
# can wait on the pool, so no request waits for a connection another waiting request holds.
POOL_SIZE = 40
POOL_IDLE = 4
POOL_TIMEOUT_S = 10
SQLITE_BUSY_TIMEOUT_MS = 10_000


def display_url(url: str) -> str:
    """The URL without its password (for messages)."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1e3},
                               pool_size=POOL_SIZE, max_overflow=0, pool_timeout=POOL_TIMEOUT_S)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # WAL: readers never block the writer nor each other. synchronous=FULL: the WAL is fsynced at every
            # commit, so a committed write survives a power loss, not only a process kill (NORMAL only promises
            # the latter in WAL mode: https://www.sqlite.org/pragma.html#pragma_synchronous, read 2026-11-26).
            dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.close()

        writers = threading.Lock()  # this process's writers queue here, not in SQLite's busy handler (see below)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Writers take the write lock up front (BEGIN IMMEDIATE) so two writers never deadlock upgrading a read
            # lock; read-only sessions (``reader``) begin DEFERRED and never touch the write lock.
            if conn.get_execution_options().get("leonet_read"):
                conn.exec_driver_sql("BEGIN")
                return
            # SQLite's busy handler polls the lock with sleeps of up to 100 ms
            # (sqliteDefaultBusyCallback, https://www.sqlite.org/c3ref/busy_timeout.html, read 2026-11-26), so two
            # writers of one process that collide wait tens of ms after the lock is free. They take a Python lock
            # first (woken at once on release); other processes still meet the busy timeout.
            if not writers.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1e3):
                raise OperationalError("BEGIN IMMEDIATE", None, TimeoutError(
                    f"database is busy: no write slot within {SQLITE_BUSY_TIMEOUT_MS} ms"))
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                writers.release()
                raise
            conn.info["leonet_writer"] = True

        # Released once SQLite's lock is: after the COMMIT or ROLLBACK itself (a connection event fires before it),
        # including the pool's rollback of a connection given back inside a transaction.
        dialect, commit, rollback = engine.dialect, engine.dialect.do_commit, engine.dialect.do_rollback

        def _ending(end):
            def do(dbapi_conn) -> None:
                try:
                    end(dbapi_conn)
                finally:
                    if _holds_writer(dbapi_conn):
                        writers.release()
            return do

        dialect.do_commit, dialect.do_rollback = _ending(commit), _ending(rollback)

        @event.listens_for(engine, "invalidate")
        def _sqlite_invalidated(_dbapi_conn, record, _exc):  # closed without COMMIT/ROLLBACK: its lock went too
            if record is not None and record.info.pop("leonet_writer", False):
                writers.release()
        return engine
    # No pool_pre_ping: its extra round trip per checkout tipped a 2-core box into queueing at 200 decisions/s;
    # connections are recycled after 30 min instead, and one that died with its server fails one request.
    # At most POOL_SIZE connections; only POOL_IDLE of them are kept open when idle (many stores in one process,
    # as in the test suite, must not exhaust the server's max_connections).
    return create_engine(url, pool_size=POOL_IDLE, max_overflow=POOL_SIZE - POOL_IDLE, pool_timeout=POOL_TIMEOUT_S,
                         pool_recycle=1800, connect_args={"connect_timeout": 5})


def _holds_writer(dbapi_conn) -> bool:
    """Whether this pooled connection took the process's SQLite writer lock (and forget it)."""
    try:
        info = dbapi_conn.info
    except (AttributeError, NotImplementedError):  # an ad-hoc connection of the dialect's first connect
        return False
    return bool(info.pop("leonet_writer", False))


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("leonet.store") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Create or upgrade the schema to the newest Alembic revision."""
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    engine.dispose()


@lru_cache(maxsize=8)
def open_store(url: str | None = None) -> sessionmaker[Session]:
    """Session factory for ``url`` (default ``$LEONET_DB`` or ``sqlite:///leonet.sqlite``), schema at head."""
    url = normalise_url(url or default_url())
    upgrade(url)
    return sessionmaker(bind=make_engine(url), expire_on_commit=False)


def reader(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Read-only sessions on the same engine and pool (on SQLite they never take the write lock)."""
    cached = _READERS.get(id(sessions))
    if cached is None or cached[0] is not sessions:
        cached = (sessions, sessionmaker(bind=sessions.kw["bind"].execution_options(leonet_read=True),
                                         expire_on_commit=False))
        _READERS[id(sessions)] = cached
    return cached[1]


_READERS: dict[int, tuple] = {}


def open_existing(url: str | None = None) -> sessionmaker[Session]:
    """Session factory for a store that must already exist with leonet's schema (read-only commands): never
    creates a file, a schema or a table. Raises ``LeonetInputError`` naming the store otherwise."""
    from sqlalchemy import inspect

    from leonet.errors import LeonetInputError

    url = shown = normalise_url(url or default_url())
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if not path or ":memory:" in url or not Path(path).is_file():
            raise LeonetInputError("no database there (nothing was created); check the path or create it with "
                                   "`leonet db upgrade --db URL`", field="--db", value=display_url(shown))
        url = f"sqlite:///file:{Path(path).resolve()}?mode=rw&uri=true"
    engine = make_engine(url)
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    if not {"alembic_version", "audit_log", "terminals"} <= tables:
        engine.dispose()
        raise LeonetInputError("this database has no leonet schema; create it with `leonet db upgrade --db URL`",
                               field="--db", value=display_url(shown))
    return sessionmaker(bind=engine, expire_on_commit=False)
