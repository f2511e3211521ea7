#!/usr/bin/env bash
# Set up leonet on a fresh machine: system packages (when root), a virtualenv with the package, the web dashboard.
#   scripts/setup.sh          runtime only (for `make demo`)
#   scripts/setup.sh --dev    plus test tools, PostgreSQL server and Debian's chromium (for `make test`)
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0
if [ "${1:-}" = "--dev" ]; then DEV=1; fi
PY=${PYTHON:-python3}

need_apt=()
if [ "$DEV" = 1 ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fi
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install these system packages: ${need_apt[*]}" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/pip install -q -U pip
fi
extra=""
stamp=.venv/.leonet-installed
if [ "$DEV" = 1 ]; then extra="[dev]"; stamp=.venv/.leonet-installed-dev; fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing leonet$extra into .venv"
  .venv/bin/pip install -q -e ".$extra"
  touch "$stamp"
fi

# The dashboard's built assets ship inside the package; build them when missing or built from other sources
# (dist/.source-sha256 records the hash of the sources a build came from, so a stale dist is never served).
web=src/leonet/web
web_sources() {
  (cd "$web" && find index.html package.json package-lock.json tsconfig.json vite.config.ts src public -type f \
     2>/dev/null | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-64)
}
if [ -f "$web/package.json" ]; then
  want=$(web_sources)
  have=$(cat "$web/dist/.source-sha256" 2>/dev/null || true)
  if [ ! -f "$web/dist/index.html" ] || [ "$want" != "$have" ]; then
    if command -v npm >/dev/null 2>&1; then
      echo "setup: building the web dashboard"
      (cd "$web" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
      echo "$want" > "$web/dist/.source-sha256"
    else
      echo "setup: npm not found; the dashboard will not be served" >&2
    fi
  elif [ "$DEV" = 1 ] && [ ! -x "$web/node_modules/.bin/tsc" ] && command -v npm >/dev/null 2>&1; then
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)  # the type check (scripts/test.sh) needs tsc
  fi
fi

# Test tools from npm: the real gRPC-Web client the dish's gRPC-Web test runs (tests/e2e/grpcweb).
client=tests/e2e/grpcweb
if [ "$DEV" = 1 ] && [ -f "$client/package-lock.json" ] && [ ! -d "$client/node_modules" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "setup: installing the gRPC-Web test client"
    (cd "$client" && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "setup: npm not found; the dish's gRPC-Web test will fail" >&2
  fi
fi
