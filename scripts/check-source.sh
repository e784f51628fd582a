#!/usr/bin/env bash
# Checks the rules of STYLE.md that a machine can check: includes point one
# way (http → api → domain → db; core and geo include nothing of ours above
# them; media is pure computation like geo; the benchmark program in bench/
# uses the product as its library); only db/ includes a database engine's
# header. Banned functions are compile errors (src/core/banned.h), not a
# check here.
set -euo pipefail
cd "$(dirname "$0")/../src"
fail=0

# dir: the project directories its files may include from
declare -A allowed=(
  [core]="core"
  [geo]="core geo"
  [media]="core media"
  [db]="core db"
  [http]="core http"
  [domain]="core db geo media domain"
  [api]="core db geo media domain http api"
  [cli]="core db geo media domain http api cli"
  [bench]="core db geo media domain cli bench"
)
for dir in "${!allowed[@]}"; do
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(sed -n 's/.*#include "\([a-z_]*\)\/.*/\1/p' <<<"$line")
    [ -n "$inc" ] || continue
    if ! grep -qw "$inc" <<<"${allowed[$dir]}"; then
      echo "layering: $file includes $inc/ (a $dir/ file may include: ${allowed[$dir]})"
      fail=1
    fi
  done < <(grep -Hn '#include "' "$dir"/*.[ch] || true)
done

# db/db.h is the one door to storage: no other file speaks to an engine.
if grep -nE '#include\s*[<"](sqlite3|libpq-fe|postgresql/libpq-fe)\.h[>"]' -r . | grep -v '^./db/'; then
  echo "an engine's header outside db/: go through db/db.h"
  fail=1
fi

# Configuration comes only through the config table (core/config.c).
if grep -n '\bgetenv\s*(' -r . | grep -v '^./core/config.c:'; then
  echo "getenv outside core/config.c: add an option to the verb's config table instead"
  fail=1
fi

[ $fail -eq 0 ] && echo "source checks: layering ok, engine headers only in db/, configuration only through the config table"
exit $fail
