"""Open the store: an engine and session factory for a SQLAlchemy URL, schema upgraded with Alembic."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
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


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL: readers never block the writer
            dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # serialise writers: BEGIN IMMEDIATE takes the write lock up front
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        return engine
    # The API runs sync endpoints in a 40-thread pool: let each thread hold a connection instead of queueing.
    # No pool_pre_ping: its extra round trip per checkout (two checkouts per request) tipped a 2-core box into
    # queueing at 200 decisions/s (p50 4 ms → up to 230 ms, benchmarks/bench_api_latency.py --db); connections
    # are recycled after 30 min instead, and one that died with its server fails one request and is replaced.
    return create_engine(url, pool_size=20, max_overflow=20, pool_recycle=1800)


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
