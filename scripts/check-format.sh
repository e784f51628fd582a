#!/usr/bin/env bash
# Checks that the C sources are laid out as .clang-format says (STYLE.md
# rule 17); `make format` lays them out. Fails, naming the files, otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed (scripts/setup.sh test)"; exit 1; }
mapfile -t files < <(find src tests/unit -name '*.[ch]' | sort)
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "check-format: not laid out as .clang-format says (run make format):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "check-format: ${#files[@]} files laid out as .clang-format says"
