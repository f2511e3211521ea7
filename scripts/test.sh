#!/usr/bin/env bash
# The test command: sets up everything (venv, PostgreSQL, chromium, dashboard build), lints, runs the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
pgdir=$(mktemp -d /tmp/leonet-pg.XXXXXX)
chmod 755 "$pgdir"
if url=$(scripts/pg.sh start "$pgdir"); then
  export LEONET_TEST_PG_URL="$url"
  trap 'scripts/pg.sh stop "$pgdir"; rm -rf "$pgdir"' EXIT
else
  echo "test: PostgreSQL could not be started; the PostgreSQL store tests will fail" >&2
fi
command -v chromium >/dev/null 2>&1 && export LEONET_CHROMIUM="$(command -v chromium)"
.venv/bin/ruff check src tests benchmarks
echo "test: type-checking the dashboard (tsc --noEmit, strict)"
(cd src/leonet/web && npm run --silent typecheck)
.venv/bin/pytest "$@"
