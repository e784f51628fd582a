#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: data in DIR/data, the unix socket
# and the server log in DIR, no TCP listener. Safe to call twice.
#
#   scripts/pg.sh start DIR            initdb (once, with checksums) and start
#   scripts/pg.sh stop DIR             fast shutdown; 0 if it was not running
#   scripts/pg.sh restart DIR          crash-like stop (-m immediate), then start
#   scripts/pg.sh status DIR           exit 0 if running
#   scripts/pg.sh url DIR [DBNAME]     print postgresql:///DBNAME?host=DIR&user=postgres
#   scripts/pg.sh createdb DIR NAME    create a database unless it exists
#
# Runs the server as the postgres OS user when called as root. The binaries
# are taken from $PG_BIN, else /usr/lib/postgresql/15/bin (Debian keeps them
# off PATH). Prints nothing but errors.
set -euo pipefail

PG_PORT=5432
PG_USER=postgres

die() {
	echo "pg.sh: $*" >&2
	exit 1
}

usage() {
	sed -n '5,10p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

find_bin() {
	if [[ -n "${PG_BIN:-}" ]]; then
		[[ -x "$PG_BIN/pg_ctl" ]] || die "PG_BIN=$PG_BIN has no pg_ctl"
		echo "$PG_BIN"
		return
	fi
	local d others=()
	shopt -s nullglob
	others=(/usr/lib/postgresql/*/bin)
	shopt -u nullglob
	for d in /usr/lib/postgresql/15/bin "${others[@]}"; do
		if [[ -x "$d/pg_ctl" && -x "$d/initdb" ]]; then
			echo "$d"
			return
		fi
	done
	if command -v pg_ctl >/dev/null 2>&1; then
		dirname "$(readlink -f "$(command -v pg_ctl)")"
		return
	fi
	die "no PostgreSQL server binaries found (install postgresql-15 or set PG_BIN)"
}

# Runs a command as the cluster's owner: postgres when we are root (initdb
# and postgres refuse to run as root), else ourselves.
as_owner() {
	if [[ $EUID -eq 0 ]]; then
		runuser -u "$PG_USER" -- "$@"
	else
		"$@"
	fi
}

# Makes DIR absolute and checks it is usable as a socket directory.
resolve_dir() {
	local dir="$1"
	[[ -n "$dir" ]] || die "DIR is empty"
	dir="$(realpath -m -- "$dir")"
	case "$dir" in
	*[[:space:]\'\"\\]*) die "DIR must not contain spaces, quotes or backslashes: $dir" ;;
	esac
	# A unix socket path holds at most 107 bytes.
	local sock="$dir/.s.PGSQL.$PG_PORT"
	((${#sock} <= 107)) || die "DIR is too long for a unix socket path (${#sock} > 107 bytes): $dir"
	echo "$dir"
}

# Creates DIR if needed, owned by the cluster's owner and traversable by it.
prepare_dir() {
	local dir="$1"
	if [[ ! -d "$dir" ]]; then
		mkdir -p -- "$dir" || die "cannot create $dir"
		chmod 0755 "$dir"
	fi
	if [[ $EUID -eq 0 ]]; then
		getent passwd "$PG_USER" >/dev/null || die "no OS user '$PG_USER' (install postgresql-15)"
		chown "$PG_USER": "$dir"
		if ! runuser -u "$PG_USER" -- test -x "$dir" -a -w "$dir"; then
			die "the '$PG_USER' user cannot reach $dir: every parent directory needs o+x (e.g. chmod o+x on the parents)"
		fi
	fi
}

is_running() {
	local dir="$1"
	[[ -f "$dir/data/PG_VERSION" ]] || return 1
	as_owner "$BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

cmd_start() {
	local dir
	dir="$(resolve_dir "$1")"
	prepare_dir "$dir"
	if [[ ! -f "$dir/data/PG_VERSION" ]]; then
		if [[ -e "$dir/data" ]]; then
			# A half-made cluster from an interrupted initdb.
			rm -rf -- "$dir/data"
		fi
		if ! as_owner "$BIN/initdb" -D "$dir/data" --data-checksums --auth=trust -U postgres \
			-E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
			cat "$dir/initdb.log" >&2
			die "initdb failed in $dir/data (log above, also in $dir/initdb.log)"
		fi
		rm -f -- "$dir/initdb.log"
	fi
	if is_running "$dir"; then
		return 0
	fi
	local opts="-c listen_addresses='' -c unix_socket_directories='$dir' -c port=$PG_PORT"
	opts+=" -c fsync=on -c full_page_writes=on -c synchronous_commit=on"
	opts+=" -c max_connections=200 -c shared_buffers=64MB"
	if ! as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -o "$opts" \
		start >/dev/null 2>"$dir/pg_ctl.err"; then
		cat "$dir/pg_ctl.err" >&2
		tail -n 20 "$dir/postgres.log" >&2 2>/dev/null || true
		die "the server in $dir did not start (log: $dir/postgres.log)"
	fi
	rm -f -- "$dir/pg_ctl.err"
}

cmd_stop() {
	local dir mode="${2:-fast}"
	dir="$(resolve_dir "$1")"
	is_running "$dir" || return 0
	if ! as_owner "$BIN/pg_ctl" -D "$dir/data" -m "$mode" -w -t 60 stop >/dev/null; then
		# It may have stopped on its own between the check and now.
		is_running "$dir" || return 0
		die "the server in $dir did not stop (log: $dir/postgres.log)"
	fi
}

cmd_url() {
	local dir name="${2:-yizhan}"
	dir="$(resolve_dir "$1")"
	echo "postgresql:///$name?host=$dir&user=postgres"
}

cmd_createdb() {
	local dir="$1" name="$2" err
	dir="$(resolve_dir "$dir")"
	[[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "database name must be letters, digits and _: $name"
	is_running "$dir" || die "no server running in $dir (run: $0 start $dir)"
	if ! err="$("$BIN/createdb" -h "$dir" -p "$PG_PORT" -U postgres -E UTF8 -T template0 -- "$name" 2>&1)"; then
		case "$err" in
		*"already exists"*) return 0 ;;
		esac
		echo "$err" >&2
		die "cannot create database $name in $dir"
	fi
}

[[ $# -ge 2 ]] || usage
BIN="$(find_bin)"
case "$1" in
start) [[ $# -eq 2 ]] || usage; cmd_start "$2" ;;
stop) [[ $# -eq 2 ]] || usage; cmd_stop "$2" fast ;;
restart)
	[[ $# -eq 2 ]] || usage
	cmd_stop "$2" immediate
	cmd_start "$2"
	;;
status) [[ $# -eq 2 ]] || usage; is_running "$(resolve_dir "$2")" ;;
url) [[ $# -ge 2 && $# -le 3 ]] || usage; cmd_url "$2" "${3:-}" ;;
createdb) [[ $# -eq 3 ]] || usage; cmd_createdb "$2" "$3" ;;
*) usage ;;
esac
