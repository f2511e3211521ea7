from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leonet.access import seed
from leonet.access.context import load_context
from leonet.store.session import open_store

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="session")
def example_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'example.sqlite'}"
    with open_store(url).begin() as session:
        seed.load_example(session)
    return url


@pytest.fixture(scope="session")
def example_ctx(example_url):
    with open_store(example_url)() as session:
        return load_context(session, AT)
