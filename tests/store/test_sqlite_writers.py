"""SQLite writers of one process queue on a Python lock before ``BEGIN IMMEDIATE`` (store/session.py): the lock is
given back after every way a transaction ends (commit, rollback on an exception, a failed statement, a connection
returned to the pool mid-transaction), and many threads writing at once all commit."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from leonet.access import tx
from leonet.store import session as store_session
from leonet.store.models import Organisation
from leonet.store.session import open_store


@pytest.fixture
def sessions(tmp_path, monkeypatch):
    # A leaked lock would make the next writer give up after this long (OperationalError) instead of 10 s.
    monkeypatch.setattr(store_session, "SQLITE_BUSY_TIMEOUT_MS", 200)
    return open_store(f"sqlite:///{tmp_path / 'w.sqlite'}")


def _org(s, name: str) -> None:
    s.add(Organisation(name=name, kind="customer", country="PL"))
    s.flush()


def test_the_writer_lock_is_released_however_a_transaction_ends(sessions):
    with tx.write(sessions) as s:
        _org(s, "a")
    with pytest.raises(RuntimeError), tx.write(sessions) as s:
        _org(s, "b")
        raise RuntimeError("rolled back")
    with pytest.raises(IntegrityError), tx.write(sessions) as s:
        _org(s, "a")  # unique name: the statement fails
    conn = sessions.kw["bind"].connect()
    conn.begin()
    conn.execute(text("SELECT 1"))
    conn.close()  # back to the pool inside a transaction: the pool rolls it back
    with tx.write(sessions) as s:  # would raise "no write slot" if any path above had kept the lock
        _org(s, "c")
    with tx.read(sessions) as s:
        assert sorted(s.execute(select(Organisation.name)).scalars()) == ["a", "c"]


def test_many_threads_writing_at_once_all_commit(sessions):
    errors: list[BaseException] = []

    def writer(w: int) -> None:
        try:
            for i in range(25):
                with tx.write(sessions) as s:
                    _org(s, f"w{w}-{i}")
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with tx.read(sessions) as s:
        assert s.execute(select(func.count()).select_from(Organisation)).scalar_one() == 200
