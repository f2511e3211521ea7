"""DATA_OVERAGE_SANDBOX_POLICY: an account at or over its plan's data for the billing period is sandboxed."""

from __future__ import annotations

import numpy as np
import pytest

from leonet.access import seed, service
from leonet.access.codes import DisablementCode as C
from leonet.access.context import load_context
from leonet.access.policy import decide, decide_batch
from leonet.errors import LeonetInputError
from leonet.store.models import Account
from leonet.store.session import open_store
from tests.access.conftest import AT


@pytest.fixture()
def capped(tmp_path):
    sessions = open_store(f"sqlite:///{tmp_path / 'cap.sqlite'}")
    with sessions.begin() as session:
        seed.load_example(session)
        acct = service.get_account(session, "ACC-UA-1001")  # ut-ua-kyiv-01, residential in Kyiv
        acct.data_cap_gb = 100.0
    return sessions


def _ctx(sessions):
    with sessions() as session:
        return load_context(session, AT)


def test_over_the_cap_is_sandboxed_and_single_equals_batch(capped):
    assert decide(_ctx(capped), "ut-ua-kyiv-01", 50.45, 30.52, AT).code == C.OKAY  # 0 of 100 GB used
    with capped.begin() as session:
        service.record_usage(session, "test", "ACC-UA-1001", 100.0)
    ctx = _ctx(capped)
    single = decide(ctx, "ut-ua-kyiv-01", 50.45, 30.52, AT)
    assert single.code == C.DATA_OVERAGE_SANDBOX_POLICY
    assert "100.0 GB of its 100.0 GB" in single.reasons[0]
    batch = decide_batch(ctx, np.array(["ut-ua-kyiv-01", "ut-ua-kharkiv-01"]), np.array([50.45, 49.99]),
                         np.array([30.52, 36.23]), AT)
    assert batch.codes[0] == C.DATA_OVERAGE_SANDBOX_POLICY and batch.reasons(0) == single.reasons
    assert batch.codes[1] == C.OKAY  # other accounts are not capped
    # Geography decides first: out of its home country the code stays OUTSIDE_HOME_REGION.
    assert decide(ctx, "ut-ua-kyiv-01", 52.23, 21.01, AT).code == C.OUTSIDE_HOME_REGION


def test_bad_usage_and_cap_values_name_the_field(capped):
    with capped.begin() as session:
        with pytest.raises(LeonetInputError, match="used_gb"):
            service.record_usage(session, "test", "ACC-UA-1001", -1.0)
        with pytest.raises(LeonetInputError, match="data_cap_gb"):
            service.create_account(session, "test", "ACC-X", "Oksana Kovalenko", "roam", "UA", data_cap_gb=0.0)
    with capped() as session:
        assert session.query(Account).filter_by(number="ACC-X").count() == 0
        assert service.get_account(session, "ACC-UA-1001").data_used_gb == 0.0
