"""`leonet audit verify` proves the state: a direct table edit, a deleted tail and a rewritten, re-chained history
are each reported; read-only commands refuse a store that does not exist (nothing created) or has no schema; an
unreachable PostgreSQL is one line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from leonet.access import audit, seed, tx
from leonet.access.audit import _digest
from leonet.cli import app
from leonet.store.models import AuditRecord
from leonet.store.session import open_store


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.delenv("LEONET_AUDIT_CHECKPOINT", raising=False)
    monkeypatch.setenv("LEONET_AUDIT_HMAC_KEY", "test-signing-key")
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with tx.write(open_store(url)) as session:
        seed.load_example(session)
    return url


def _verify(url, *extra):
    return CliRunner().invoke(app, ["audit", "verify", "--db", url, *extra])


def test_intact_store_verifies_and_the_checkpoint_is_signed(store, tmp_path):
    r = _verify(store)
    assert r.exit_code == 0, r.output
    cp = json.loads((tmp_path / "a.sqlite.audit-head.json").read_text())
    with open_store(store)() as s:
        assert (cp["seq"], cp["hash"]) == audit.head(s)
    assert len(cp["hmac"]) == 64


def test_direct_edit_of_a_state_table_is_reported_by_table_and_key(store):
    with open_store(store).begin() as s:
        s.execute(text("UPDATE countries SET status='licensed' WHERE iso_a2='RU'"))
    r = _verify(store)
    assert r.exit_code == 1
    assert "countries['RU'].status: stored 'licensed'" in r.output


def test_row_inserted_behind_the_control_planes_back_is_reported(store):
    with open_store(store).begin() as s:
        s.execute(text("INSERT INTO api_keys (key_hash, role, label, owner, bootstrap) "
                       "VALUES ('ab', 'admin', 'x', 'x', false)"))
    r = _verify(store)
    assert r.exit_code == 1 and "api_keys[" in r.output and "not in the audit log" in r.output


def test_deleted_tail_is_detected(store):
    with open_store(store).begin() as s:
        last = audit.head(s)[0]
        s.execute(text(f"DELETE FROM audit_log WHERE seq = {last}"))
    r = _verify(store)
    assert r.exit_code == 1 and f"records {last}..{last} deleted" in r.output


def test_postgresql_has_a_default_checkpoint_outside_the_database(pg_url, tmp_path, monkeypatch):
    from tests.api.conftest import _pg_database

    monkeypatch.delenv("LEONET_AUDIT_CHECKPOINT", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    url = _pg_database(pg_url)
    with tx.write(open_store(url)) as session:
        seed.load_example(session)
    files = list((tmp_path / "state" / "leonet").glob("audit-head-*.json"))
    assert len(files) == 1 and url.rsplit("/", 1)[-1] in files[0].name
    r = _verify(url)
    assert r.exit_code == 0 and "checkpoint matches" in r.output, r.output
    with tx.write(open_store(url)) as s:
        last = s.execute(select(AuditRecord.seq).order_by(AuditRecord.seq.desc())).scalars().first()
        s.execute(text(f"DELETE FROM audit_log WHERE seq = {last}"))
    r = _verify(url)
    assert r.exit_code == 1 and f"records {last}..{last} deleted" in r.output, r.output


def test_rewritten_and_rechained_history_is_detected(store):
    with open_store(store).begin() as s:
        rows = s.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars().all()
        prev = rows[2].prev_hash
        for rec in rows[2:]:  # rewrite record 3 and re-chain everything after it
            if rec is rows[2]:
                rec.actor = "someone else"
            rec.prev_hash = prev
            rec.hash = _digest(prev, rec.seq, rec.at, rec.actor, rec.action, rec.payload)
            prev = rec.hash
    with open_store(store)() as s:
        assert audit.verify(s) == []  # the chain alone is fooled
    r = _verify(store)
    assert r.exit_code == 1 and "history rewritten" in r.output


def test_forged_checkpoint_is_detected(store, tmp_path):
    path = tmp_path / "a.sqlite.audit-head.json"
    cp = json.loads(path.read_text())
    path.write_text(json.dumps({**cp, "seq": cp["seq"] - 1}))
    r = _verify(store)
    assert r.exit_code == 1 and "signature does not match" in r.output


def test_read_only_commands_refuse_a_missing_or_empty_store(tmp_path):
    missing = tmp_path / "typo.sqlite"
    r = _verify(f"sqlite:///{missing}")
    assert r.exit_code == 2 and "no database there" in r.output and not missing.exists()
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    r = _verify(f"sqlite:///{empty}")
    assert r.exit_code == 2 and "no leonet schema" in r.output
    pos = tmp_path / "in.csv"
    pos.write_text("terminal,lat_deg,lon_deg,speed_kmh\nkyiv,50.45,30.52,0\n")
    r = CliRunner().invoke(app, ["decide", "--plan", "roam", "--positions", str(pos), "--out",
                                 str(tmp_path / "o.csv"), "--db", str(missing)])
    assert r.exit_code == 2 and not missing.exists() and not (tmp_path / "o.csv").exists()


def test_decide_without_db_answers_from_the_shipped_table_and_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEONET_DB", raising=False)
    pos = tmp_path / "in.csv"
    pos.write_text("terminal,lat_deg,lon_deg,speed_kmh\nmoscow,55.75,37.62,0\nwarsaw,52.23,21.01,0\n")
    r = CliRunner().invoke(app, ["decide", "--plan", "roam", "--positions", str(pos), "--out",
                                 str(tmp_path / "o.csv")])
    assert r.exit_code == 0, r.output
    rows = (tmp_path / "o.csv").read_text().splitlines()
    assert rows[1].startswith('"moscow","BLOCKED_COUNTRY"') and rows[2].startswith('"warsaw","OKAY"')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "o.csv"]


@pytest.mark.parametrize("command", [["audit", "verify"], ["db", "seed"], ["db", "upgrade"], ["db", "import",
                                                                                      "terminals", __file__]])
def test_unreachable_postgresql_is_one_clear_line(command):
    r = CliRunner().invoke(app, [*command, "--db", "postgresql://nobody@127.0.0.1:1/none"])
    assert r.exit_code == 2
    assert "cannot use the database" in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) <= 2
