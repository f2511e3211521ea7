#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the store tests; prints the SQLAlchemy URL.
#   url=$(scripts/pg.sh start DIR)   scripts/pg.sh stop DIR
# fsync is off (tests need no crash safety of the database server itself); LEONET_PG_FSYNC=on for benchmark figures
# with durable commits (benchmarks/bench_api_latency.py prints the setting it measured with).
set -euo pipefail
cmd=$1; dir=$2; port=${LEONET_TEST_PG_PORT:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "pg.sh: no PostgreSQL server installed" >&2; exit 1; }
as=()
if [ "$(id -u)" = 0 ]; then as=(runuser -u postgres --); fi
case "$cmd" in
  start)
    mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres "$dir"
    "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=${LEONET_PG_FSYNC:-off} -c max_connections=400" start >/dev/null
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null || true
    ;;
esac
