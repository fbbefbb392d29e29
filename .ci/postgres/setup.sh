#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the store and team tests, from Debian's `postgresql` package.
#
#   setup.sh DIR          initdb a cluster in DIR/data (password auth, a random password), start it listening
#                         on 127.0.0.1 only (a free port; its unix socket in DIR), create the database
#                         `cmtui_test`, and print its URL on stdout. Logs are in DIR/postgres.log.
#   setup.sh --stop DIR   stop what `setup.sh DIR` started.
#
# Exit status 77: this machine cannot run it (no initdb/pg_ctl found); the message on stderr says why and the
# tests that need it skip. Any other failure is a real error. As root (CI), the cluster runs as the `postgres`
# user, since initdb refuses root: DIR is handed to that user. A watchdog stops the cluster when the process
# that ran setup.sh (the test run) goes away.
set -euo pipefail

find_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n "$dir" && -x "$dir/initdb" ]]; then echo "$dir"; return; fi
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then dirname "$(command -v initdb)"; return; fi
    echo "no PostgreSQL server here (initdb and pg_ctl not found; Debian: apt-get install postgresql)" >&2
    exit 77
}

as_owner() {  # run a command as the cluster's owner
    if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [[ "${1:-}" == "--stop" ]]; then
    dir=$2
    bin=$(find_bin)
    [[ -f "$dir/data/postmaster.pid" ]] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    [[ -f "$dir/watchdog.pid" ]] && kill "$(<"$dir/watchdog.pid")" 2>/dev/null || true
    exit 0
fi

dir=$1
bin=$(find_bin)
mkdir -p "$dir"
if [[ $(id -u) == 0 ]]; then
    id postgres >/dev/null 2>&1 || { echo "running as root, but there is no 'postgres' user to own the cluster" >&2; exit 77; }
    chown postgres "$dir"
fi
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '%s\n' "$password" > "$dir/pwfile"
[[ $(id -u) == 0 ]] && chown postgres "$dir/pwfile"
as_owner "$bin/initdb" -D "$dir/data" -U cmtui --pwfile="$dir/pwfile" --auth=scram-sha-256 -E UTF8 \
    --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
rm -f "$dir/pwfile"
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off" start >/dev/null \
    || { cat "$dir/postgres.log" >&2; exit 1; }
PGPASSWORD=$password "$bin/psql" -q -h 127.0.0.1 -p "$port" -U cmtui -d postgres -c "CREATE DATABASE cmtui_test" >/dev/null
watched=$PPID
( while kill -0 "$watched" 2>/dev/null; do sleep 2; done
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 ) >/dev/null 2>&1 &
echo $! > "$dir/watchdog.pid"
echo "postgresql://cmtui:$password@127.0.0.1:$port/cmtui_test"
