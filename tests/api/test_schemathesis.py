"""PYTEST_DONT_REWRITE (no asserts here; schemathesis does the checking).

Every operation of the OpenAPI document, fuzzed by schemathesis with all its checks (responses conform to the
declared schemas and status codes, undeclared methods answer 405 with a true Allow header, no server errors, …).

Schema-valid requests may still break a business rule (a reseller key without its organisation, a sale of an unknown
serial): the API answers those 422 with the declared error shape, so 422 is listed as an accepted answer to
schema-valid data; everything else runs with schemathesis's defaults. Bounded: a few examples per operation."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from leonet.access import seed
from leonet.api.app import create_app
from leonet.store.session import open_store

KEY = "schemathesis-admin-key-0123456789"
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]}}})


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('st') / 'st.sqlite'}"
    with open_store(url).begin() as session:
        seed.load_example(session)
    mp = pytest.MonkeyPatch()
    mp.setenv("LEONET_ADMIN_KEY", KEY)
    app = create_app(url)
    with TestClient(app) as client:
        yield app, client
    mp.undo()


def _schema():
    import os
    import tempfile

    os.environ.setdefault("LEONET_ADMIN_KEY", KEY)
    return create_app(f"sqlite:///{tempfile.mkdtemp(prefix='leonet-st-')}/schema.sqlite")


schema = schemathesis.openapi.from_asgi("/openapi.json", _schema(), config=CONFIG)


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_conforms_to_the_openapi_document(case, api):
    _, client = api
    case.call_and_validate(session=client, headers={"Authorization": f"Bearer {KEY}", "X-Requested-With": "leonet"})
