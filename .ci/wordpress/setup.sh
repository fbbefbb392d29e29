#!/usr/bin/env bash
# A throw-away real WordPress for the integration tests (tests/integration/test_wordpress.py), built from
# Debian's packages: `apt-get install -y wordpress php-cli php-mysql mariadb-server`.
#
#   setup.sh DIR          start a private MariaDB (unix socket in DIR, no TCP) and `php -S 127.0.0.1:<port>`
#                         serving /usr/share/wordpress, install a site, print one JSON object on stdout
#                         (site, port, user, app_password, post ids, ...). Logs are in DIR.
#   setup.sh --stop DIR   stop what `setup.sh DIR` started and remove its config file.
#
# Exit status 77: this machine cannot run it (not Linux, packages missing, /etc/wordpress not writable);
# the message on stderr says why and the test skips. Any other failure is a real error.
#
# Debian's wp-config.php loads /etc/wordpress/config-<WORDPRESS_CONFIG>.php when the web server sets
# WORDPRESS_CONFIG (else config-<host>.php); router.php sets it, so each run has its own config file,
# config-cmtui-ci-<port>.php, and a config for the host 127.0.0.1 is never touched.
# A watchdog stops everything when the process that ran setup.sh (the test run) goes away.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WP=/usr/share/wordpress

stop() {
    local dir=$1 name pid i
    for name in watchdog php mariadb; do
        [[ -f "$dir/$name.pid" ]] || continue
        pid=$(<"$dir/$name.pid")
        [[ "$pid" =~ ^[0-9]+$ && "$pid" != "$$" ]] || continue
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    for name in php mariadb; do
        [[ -f "$dir/$name.pid" ]] || continue
        pid=$(<"$dir/$name.pid")
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
        rm -f "$dir/$name.pid"
    done
    if [[ -f "$dir/config-file" ]]; then
        rm -f "$(<"$dir/config-file")" "$dir/config-file"
    fi
}

if [[ "${1:-}" == "--stop" ]]; then
    [[ -n "${2:-}" ]] || { echo "usage: $0 --stop DIR" >&2; exit 2; }
    stop "$2"
    exit 0
fi
[[ -n "${1:-}" ]] || { echo "usage: $0 DIR | $0 --stop DIR" >&2; exit 2; }

skip() { echo "setup.sh: $*" >&2; exit 77; }
first() { local c; for c in "$@"; do command -v "$c" >/dev/null 2>&1 && { echo "$c"; return 0; }; done; return 1; }

[[ "$(uname -s)" == Linux ]] || skip "needs Linux (Debian's wordpress package), this is $(uname -s)"
need="apt-get install -y wordpress php-cli php-mysql mariadb-server"
[[ -f "$WP/wp-settings.php" && -f "$WP/wp-config.php" ]] || skip "Debian's wordpress package is not installed ($need)"
command -v php >/dev/null || skip "php is not installed ($need)"
php -r 'exit(extension_loaded("mysqli") ? 0 : 1);' || skip "php has no mysqli extension ($need)"
MARIADBD=$(first mariadbd mysqld) || skip "no MariaDB server (mariadbd) ($need)"
INSTALL_DB=$(first mariadb-install-db mysql_install_db) || skip "no mariadb-install-db ($need)"
CLIENT=$(first mariadb mysql) || skip "no MariaDB client ($need)"
command -v setsid >/dev/null || skip "setsid (util-linux) is missing"
[[ -d /etc/wordpress && -w /etc/wordpress ]] \
    || skip "cannot write /etc/wordpress, where Debian's wordpress reads its config (run as root)"

dir=$(mkdir -p "$1" && cd "$1" && pwd)
mark() { echo "$1 ${EPOCHREALTIME:-$(date +%s.%N)}" >>"$dir/timings"; }  # where the time goes
mark start
sock="$dir/mysqld.sock"
(( ${#sock} < 100 )) || { echo "setup.sh: $sock is too long for a unix socket: use a shorter DIR" >&2; exit 1; }
owner=${CMTUI_WP_OWNER_PID:-$PPID}
trap 'rc=$?; if ((rc != 0)); then echo "setup.sh: failed (exit $rc); logs in $dir" >&2; stop "$dir"; fi' EXIT
php_ini=(-d display_errors=0 -d log_errors=1 -d "error_log=$dir/php-errors.log")

# MariaDB: a private instance on a unix socket, no TCP, root without a password (only this user can reach it).
"$INSTALL_DB" --no-defaults --datadir="$dir/mysql" --auth-root-authentication-method=normal --skip-test-db \
    --skip-name-resolve --user="$(id -un)" >"$dir/mariadb-install.log" 2>&1
mark "MariaDB initialised"
setsid "$MARIADBD" --no-defaults --datadir="$dir/mysql" --socket="$sock" --pid-file="$dir/mysqld.pid" \
    --skip-networking --skip-log-bin --innodb-buffer-pool-size=32M --user="$(id -un)" \
    --log-error="$dir/mariadb.log" </dev/null >/dev/null 2>&1 &
echo $! >"$dir/mariadb.pid"
for ((i = 0; i < 200; i++)); do
    "$CLIENT" --no-defaults --socket="$sock" -u root -e "SELECT 1" >/dev/null 2>&1 && break
    kill -0 "$(<"$dir/mariadb.pid")" 2>/dev/null || { echo "setup.sh: mariadbd exited, see $dir/mariadb.log" >&2; exit 1; }
    sleep 0.1
done
"$CLIENT" --no-defaults --socket="$sock" -u root \
    -e "CREATE DATABASE wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
mark "MariaDB started"

# The site's config, the Debian way.
port=$(php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false);
               echo substr($n, strrpos($n, ":") + 1);')
name="cmtui-ci-$port"
config="/etc/wordpress/config-$name.php"
echo "$config" >"$dir/config-file"
salt() { head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
{
    echo "<?php"
    echo "// Written by cmtui's .ci/wordpress/setup.sh for a test run; removed by setup.sh --stop $dir"
    echo "define('DB_NAME', 'wordpress');"
    echo "define('DB_USER', 'root');"
    echo "define('DB_PASSWORD', '');"
    echo "define('DB_HOST', 'localhost:$sock');"
    echo "define('WP_HOME', 'http://127.0.0.1:$port');"
    echo "define('WP_SITEURL', 'http://127.0.0.1:$port');"
    echo "define('WP_ENVIRONMENT_TYPE', 'local'); // Application Passwords over plain http"
    echo "define('DISABLE_WP_CRON', true);"
    echo "define('WP_HTTP_BLOCK_EXTERNAL', true);"
    echo "define('AUTOMATIC_UPDATER_DISABLED', true);"
    for key in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
        echo "define('$key', '$(salt)');"
    done
} >"$config"

# The web server: several workers, so cmtui's concurrent sync is served like a real site.
CMTUI_WP_CONFIG="$name" PHP_CLI_SERVER_WORKERS=4 setsid php "${php_ini[@]}" -S "127.0.0.1:$port" -t "$WP" \
    "$here/router.php" </dev/null >"$dir/php-server.log" 2>&1 &
echo $! >"$dir/php.pid"

# A watchdog: if the test run dies without stopping us, stop everything anyway.
setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; exec bash "$2" --stop "$3"' \
    watchdog "$owner" "$here/setup.sh" "$dir" </dev/null >"$dir/watchdog.log" 2>&1 &
echo $! >"$dir/watchdog.pid"

CMTUI_WP_CONFIG="$name" CMTUI_WP_PORT="$port" php "${php_ini[@]}" "$here/install.php" >"$dir/site.json" \
    2>"$dir/install.log" || { echo "setup.sh: install.php failed:" >&2; cat "$dir/install.log" >&2; exit 1; }
mark "WordPress installed"

for ((i = 0; i < 100; i++)); do
    php -r 'exit(strpos((string) @file_get_contents($argv[1]), "\"namespaces\"") !== false ? 0 : 1);' \
        "http://127.0.0.1:$port/wp-json/" && break
    kill -0 "$(<"$dir/php.pid")" 2>/dev/null || { echo "setup.sh: php -S exited, see $dir/php-server.log" >&2; exit 1; }
    sleep 0.1
done
((i < 100)) || { echo "setup.sh: no WordPress REST API at http://127.0.0.1:$port/wp-json/" >&2; exit 1; }
mark "REST API answering"
tail -n 1 "$dir/site.json"
