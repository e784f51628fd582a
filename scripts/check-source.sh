#!/usr/bin/env bash
# Checks the rules of STYLE.md that a machine can check: includes point one
# way (http → api → domain → db; core and geo include nothing of ours above
# them; media is pure computation like geo). Banned functions are compile
# errors (src/core/banned.h), not a check here.
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

# Configuration comes only through the config table (core/config.c).
if grep -n '\bgetenv\s*(' -r . | grep -v '^./core/config.c:'; then
  echo "getenv outside core/config.c: add an option to the verb's config table instead"
  fail=1
fi

[ $fail -eq 0 ] && echo "source checks: layering ok, configuration only through the config table"
exit $fail
