"""The hash-chained audit log detects edited and deleted records (also through `leonet audit verify`)."""

from __future__ import annotations

from sqlalchemy import text
from typer.testing import CliRunner

from leonet.access import audit, seed
from leonet.cli import app
from leonet.store.session import open_store


def _fresh(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with open_store(url).begin() as s:
        seed.load_licensing(s)
    return url


def test_intact_chain_verifies(tmp_path):
    url = _fresh(tmp_path)
    with open_store(url)() as s:
        assert audit.verify(s) == [] and audit.count(s) > 10
    result = CliRunner().invoke(app, ["audit", "verify", "--db", url])
    assert result.exit_code == 0 and "intact" in result.output


def test_edited_record_is_detected(tmp_path):
    url = _fresh(tmp_path)
    with open_store(url).begin() as s:
        s.execute(text("UPDATE audit_log SET payload = '{\"iso_a2\": \"RU\", \"status\": \"licensed\"}' "
                       "WHERE seq = 3"))
    with open_store(url)() as s:
        problems = audit.verify(s)
    assert any("record 3" in p and "edited" in p for p in problems)
    result = CliRunner().invoke(app, ["audit", "verify", "--db", url])
    assert result.exit_code == 1


def test_deleted_record_is_detected(tmp_path):
    url = _fresh(tmp_path)
    with open_store(url).begin() as s:
        s.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    with open_store(url)() as s:
        assert any("deleted" in p for p in audit.verify(s))


def test_deleted_tail_is_detected_only_through_the_head(tmp_path):
    """Deleting the newest records leaves a valid shorter chain: the exported head hash is what proves it."""
    url = _fresh(tmp_path)
    with open_store(url)() as s:
        seq, head = audit.head(s)
    with open_store(url).begin() as s:
        s.execute(text(f"DELETE FROM audit_log WHERE seq = {seq}"))
    with open_store(url)() as s:
        assert audit.head(s)[1] != head
