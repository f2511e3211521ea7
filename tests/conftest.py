"""Shared fixtures. Real parts only: PostgreSQL from LEONET_TEST_PG_URL (started by scripts/test.sh) and
Debian's chromium from LEONET_CHROMIUM. Under CI (CI=true) a missing part fails the test instead of skipping it."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _need(env: str, what: str) -> str:
    value = os.environ.get(env)
    if not value:
        message = f"{what} not available: set {env} (scripts/test.sh does)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return value


@pytest.fixture(scope="session", autouse=True)
def _state_dir(tmp_path_factory):
    """PostgreSQL stores' audit checkpoints (default under $XDG_STATE_HOME) go to a throwaway directory, not ~."""
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("xdg-state"))


@pytest.fixture(scope="session")
def pg_url() -> str:
    """SQLAlchemy URL of a real, throwaway PostgreSQL server."""
    return _need("LEONET_TEST_PG_URL", "PostgreSQL")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's chromium binary, for Playwright's executable_path."""
    return _need("LEONET_CHROMIUM", "chromium")
