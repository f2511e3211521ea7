"""`leonet audit verify` over whitelists added in bulk by a policy file: logged per rule as counts and digests, not row
by row, yet a direct edit of a bulk row's speed exemption or validity end is reported, an entry ended one by one is
not mistaken for tampering, and a zone with several whitelist rules verifies intact."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from leonet.access import lifecycle, seed, tx
from leonet.cli import app
from leonet.store.models import WhitelistEntry, Zone
from leonet.store.session import open_store

POLICY = """
name = "two rules, one zone"
[[zones]]
name = "test whitelist zone"
kind = "whitelist_only"
reason = "test"
geometry = { type = "Polygon", coordinates = [[[30.0, 50.0], [31.0, 50.0], [31.0, 51.0], [30.0, 51.0], [30.0, 50.0]]] }
[[whitelist]]
zone = "test whitelist zone"
serials = ["ut-ua-kyiv-01", "ut-ua-roam-01"]
speed_exempt = true
[[whitelist]]
zone = "test whitelist zone"
serials = ["ut-ua-kharkiv-01"]
"""


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path, monkeypatch):
    monkeypatch.setenv("LEONET_AUDIT_CHECKPOINT", str(tmp_path / "head.json"))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    else:
        from tests.api.conftest import _pg_database

        url = _pg_database(request.getfixturevalue("pg_url"))
    with tx.write(open_store(url)) as session:
        seed.load_example(session)
    policy = tmp_path / "two_rules.toml"
    policy.write_text(POLICY)
    r = CliRunner().invoke(app, ["policy", "apply", str(policy), "--db", url])
    assert r.exit_code == 0, r.output
    return url


def _verify(url):
    return CliRunner().invoke(app, ["audit", "verify", "--db", url])


def _zone_id(url) -> int:
    with open_store(url)() as s:
        return s.execute(select(Zone.id).where(Zone.name == "test whitelist zone")).scalar_one()


def test_several_rules_for_one_zone_verify_intact(store):
    r = _verify(store)
    assert r.exit_code == 0, r.output


def test_a_bulk_rows_speed_exemption_edited_directly_is_reported(store):
    with open_store(store).begin() as s:
        s.execute(text("UPDATE whitelist SET speed_exempt = true WHERE terminal_serial = 'ut-ua-kharkiv-01'"))
    r = _verify(store)
    assert r.exit_code == 1 and f"whitelist[zone {_zone_id(store)}]" in r.output, r.output


def test_bulk_rows_ended_by_a_new_policy_and_reopened_directly_are_reported(store):
    assert CliRunner().invoke(app, ["policy", "apply", "status_quo", "--db", store]).exit_code == 0
    assert _verify(store).exit_code == 0
    with open_store(store).begin() as s:
        s.execute(text("UPDATE whitelist SET valid_to = NULL WHERE terminal_serial = 'ut-ua-roam-01'"))
    r = _verify(store)
    assert r.exit_code == 1 and f"whitelist[({_zone_id(store)}, 'ut-ua-roam-01')].valid_to: stored None" in r.output


def test_a_bulk_row_ended_one_by_one_verifies_and_its_reopening_is_reported(store):
    zone = _zone_id(store)
    with tx.write(open_store(store)) as s:
        lifecycle.end_whitelist(s, "test", zone, "ut-ua-kyiv-01", "registration withdrawn")
    r = _verify(store)
    assert r.exit_code == 0, r.output
    with open_store(store).begin() as s:
        s.execute(text("UPDATE whitelist SET valid_to = NULL WHERE terminal_serial = 'ut-ua-kyiv-01'"))
        assert s.execute(select(WhitelistEntry.valid_to).where(WhitelistEntry.zone_id == zone)).all()
    r = _verify(store)
    assert r.exit_code == 1 and f"whitelist[({zone}, 'ut-ua-kyiv-01')].valid_to: stored None" in r.output, r.output
