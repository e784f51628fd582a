#!/usr/bin/env bash
# Runs the API suite (tests/api, node:test) against the real yizhan binary on
# one database engine. For PostgreSQL it starts a throwaway cluster on a unix
# socket in a temporary folder (scripts/pg.sh) and stops it afterwards, and
# also runs the unit tests that take both engines against it.
#   scripts/test-api.sh sqlite|postgres [path/to/yizhan]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
engine=${1:?sqlite or postgres}
bin=${2:-$root/build/yizhan}
export YZ_BIN=$bin YZ_ENGINE=$engine

if [ "$engine" = postgres ]; then
  pgdir=$(mktemp -d /tmp/yzpg.XXXXXX)
  chmod 755 "$pgdir"
  trap '"$root/scripts/pg.sh" stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$pgdir"' EXIT
  "$root/scripts/pg.sh" start "$pgdir"
  export YZ_PG_DIR=$pgdir
  "$root/scripts/pg.sh" createdb "$pgdir" yz_unit
  # The unit tests that run on both engines: db itself, and the walks of
  # failures through the domain's writes.
  for name in unit_db_test_db unit_domain_test_write_faults; do
    unit=$(dirname "$bin")/$name
    if [ -x "$unit" ]; then
      YZ_TEST_PG_URL=$("$root/scripts/pg.sh" url "$pgdir" yz_unit) "$unit"
    fi
  done
fi
cd "$root"
node --test --test-concurrency=2 tests/api/
