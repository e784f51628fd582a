#!/usr/bin/env bash
# The build refuses what it must refuse, whatever an earlier build left:
#  1. a compile error fails `make test` on a tree that has an old binary in
#     build/, and the compiler's message is shown;
#  2. a banned function (src/core/banned.h) is a compile error.
# Runs on a copy of the source tree in a temporary folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/yz-build.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "compile_errors: $*" >&2; exit 1; }

# 2. Banned functions, with the project's own force-include.
printf '#include <stdio.h>\nint f(char *b);\nint f(char *b) { return sprintf(b, "%%d", 1); }\n' >"$tmp/banned.c"
if out=$(gcc -std=c17 -D_GNU_SOURCE -include "$root/src/core/banned.h" -c "$tmp/banned.c" -o "$tmp/banned.o" 2>&1); then
  fail "sprintf compiled"
fi
grep -q 'sorry_sprintf_is_a_banned_function' <<<"$out" || fail "no banned-function message: $out"

# 1. A copy of the tree with an old binary in place and a broken source file.
tree="$tmp/tree"
mkdir -p "$tree"
tar -C "$root" --exclude=./build --exclude=./build-asan --exclude=./node_modules \
    --exclude=./var --exclude=./web/vendor --exclude=./.git -cf - . | tar -C "$tree" -xf -
ln -s "$root/node_modules" "$tree/node_modules"
mkdir -p "$tree/build"
cp "$root/build/yizhan" "$tree/build/yizhan"
printf '\nint yz_deliberately_broken(void);\nint yz_deliberately_broken(void) { return no_such_name; }\n' \
  >>"$tree/src/core/arena.c"
# make build is the step that compiles: it must fail and show why, though
# build/yizhan is there; and so make test, which starts with it.
for target in build test; do
  if out=$(cd "$tree" && YZ_SETUP=skip make --no-print-directory "$target" JOBS=2 2>&1); then
    fail "make $target passed with a compile error"
  fi
  grep -q "no_such_name" <<<"$out" || fail "make $target did not show the compiler's message: $(tail -5 <<<"$out")"
done
[ -x "$tree/build/yizhan" ] || fail "the old binary should still be there (the test proves it is not trusted)"
echo "compile_errors: a compile error fails make test with an old binary present; banned calls do not compile"
