from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from leonet.access import seed
from leonet.api.app import create_app
from leonet.store.session import normalise_url, open_store

ADMIN = "test-admin-key"


def _pg_database(base_url: str) -> str:
    name = f"leonet_{uuid.uuid4().hex[:10]}"
    engine = create_engine(normalise_url(base_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return normalise_url(base_url).rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    """A fresh, seeded store: SQLite file, and a real PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'api.sqlite'}"
    else:
        url = _pg_database(request.getfixturevalue("pg_url"))
    with open_store(url).begin() as session:
        seed.load_example(session)
    return url


@pytest.fixture
def client(store_url, monkeypatch):
    monkeypatch.setenv("LEONET_ADMIN_KEY", ADMIN)
    with TestClient(create_app(store_url)) as c:
        yield c


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def new_key(client, **body) -> str:
    r = client.post("/api/v1/keys", json=body, headers=auth(ADMIN))
    assert r.status_code == 201, r.text
    return r.json()["key"]
