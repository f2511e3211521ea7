"""`leonet demo`'s login link: a new admin key per run, expiring, and the previous run's link key revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leonet.access import keys, tx
from leonet.api.app import create_app
from leonet.cli.sim import DEMO_LINK_HOURS, demo_login_key


def test_each_run_mints_a_new_expiring_admin_key_and_retires_the_last(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    first = demo_login_key(app)
    second = demo_login_key(app)
    assert first != second
    with tx.read(app.state.sessions) as session:
        assert keys.principal_for(session, first) is None  # the old link no longer signs anyone in
        who = keys.principal_for(session, second)
    assert who is not None and who.role == "admin"
    left = who.expires_at - datetime.now(UTC)
    assert timedelta(hours=DEMO_LINK_HOURS) - timedelta(minutes=5) < left <= timedelta(hours=DEMO_LINK_HOURS)
