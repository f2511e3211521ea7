"""The Roam abroad counter is derived from observed positions: the first position abroad starts the trip, a
position at home ends it; beyond 60 days abroad the roam plan answers ROAM_RESTRICTED (Starlink Roam terms)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from leonet.access import seed
from leonet.access.codes import DisablementCode as C
from leonet.access.context import load_context
from leonet.access.decisions import decide_and_record
from leonet.access.policy import decide_batch
from leonet.access.reconcile import reconcile
from leonet.access.roam import AbroadCounter
from leonet.store.models import Account, AuditRecord
from leonet.store.session import open_store

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
KYIV, WARSAW, BALTIC = (50.45, 30.52), (52.23, 21.01), (55.0, 18.0)
SERIALS = np.array(["ut-ua-roam-01"])


@pytest.fixture()
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'roam.sqlite'}"
    with open_store(url).begin() as s:
        seed.load_example(s)
    return url


def _step(counter, ctx, where, when):
    c = counter.update(ctx, SERIALS, [where[0]], [where[1]], when)
    return c, decide_batch(c, SERIALS, np.array([where[0]]), np.array([where[1]]), when).codes[0]


def test_counter_from_simulated_observations(url):
    with open_store(url)() as s:
        ctx = load_context(s, T0)
    counter = AbroadCounter(1)
    ctx1, code = _step(counter, ctx, KYIV, T0)
    assert code == C.OKAY and np.isnan(counter.since_s[0])
    _, code = _step(counter, ctx, WARSAW, T0 + timedelta(days=1))  # first observation abroad starts the trip
    assert code == C.OKAY and counter.since_s[0] == (T0 + timedelta(days=1)).timestamp()
    _, code = _step(counter, ctx, BALTIC, T0 + timedelta(days=30))  # at sea: the trip goes on
    assert counter.since_s[0] == (T0 + timedelta(days=1)).timestamp()
    c, code = _step(counter, ctx, WARSAW, T0 + timedelta(days=62))  # 61 days abroad
    assert code == C.ROAM_RESTRICTED
    ai = int(ctx.account_of[ctx.terminal_index(SERIALS)[0]])
    assert c.abroad_days[ai] == pytest.approx(61.0)
    _, code = _step(counter, ctx, KYIV, T0 + timedelta(days=63))  # home: the trip ends
    assert code == C.OKAY and np.isnan(counter.since_s[0])
    _, code = _step(counter, ctx, WARSAW, T0 + timedelta(days=64))  # a new trip starts at zero
    assert code == C.OKAY


def test_counter_through_the_control_plane_is_stored_and_audited(url):
    sessions = open_store(url)
    for when, where, want in ((T0, WARSAW, C.OKAY), (T0 + timedelta(days=59), WARSAW, C.OKAY),
                              (T0 + timedelta(days=61), WARSAW, C.ROAM_RESTRICTED),
                              (T0 + timedelta(days=62), KYIV, C.OKAY),
                              (T0 + timedelta(days=63), WARSAW, C.OKAY)):
        with sessions.begin() as s:
            assert decide_and_record(s, "test", "ut-ua-roam-01", *where, when).code == want, when
    with sessions() as s:
        acct = s.execute(select(Account).where(Account.number == "ACC-UA-1003")).scalar_one()
        assert acct.abroad_since is not None  # the last trip, started on day 63
        assert acct.abroad_since.replace(tzinfo=UTC) == T0 + timedelta(days=63)
        actions = [r.action for r in s.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars()]
    assert actions.count("account.trip_start") == 2 and actions.count("account.trip_end") == 1
    with sessions() as s:  # the trips replay from the audit log: `leonet audit verify` finds nothing edited directly
        assert reconcile(s) == []
