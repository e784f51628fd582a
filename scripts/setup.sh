#!/usr/bin/env bash
# Installs what yizhan needs on Debian 12, and nothing when it is all there.
#   scripts/setup.sh run    build and run: compiler, libraries, npm packages for web/
#   scripts/setup.sh test   also PostgreSQL, Chromium, a CJK font, wrk and test npm packages
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
# YZ_SETUP=skip: install nothing (the build test builds a copy of the tree).
[ "${YZ_SETUP:-}" = skip ] && exit 0

run_pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
          libpq-dev libsodium-dev zlib1g-dev libcmocka-dev libqrencode-dev libpng-dev libjpeg62-turbo-dev
          libwebp-dev libgd-dev libexif-dev libxlsxwriter-dev libcsv-dev libzip-dev libexpat1-dev
          libcurl4-openssl-dev libxml2-dev libical-dev nodejs npm)
test_pkgs=(clang-format postgresql-15 postgresql-client-15 chromium fonts-wqy-microhei wrk nginx-light sqlite3 strace
           python3-openpyxl)

want=("${run_pkgs[@]}")
[ "$mode" = test ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  # Node and npm may come from outside Debian's packages; accept the commands.
  if [ "$p" = nodejs ] && command -v node >/dev/null; then continue; fi
  if [ "$p" = npm ] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then echo "setup: run as root (or install: ${missing[*]})" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # nginx-light only serves the benchmark's reference file: keep it from starting.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

# npm packages (web/vendor and tests) from the lock file, when it changed.
stamp=node_modules/.yizhan-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  touch "$stamp"
fi
