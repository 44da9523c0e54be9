#!/usr/bin/env bash
# Installs (if missing), configures and starts PgBouncer in transaction pooling mode in front of a local
# PostgreSQL, for the tenancy-test fixtures. Works as root: PgBouncer refuses to run as root, so it is started
# as the 'postgres' user (or 'nobody' when there is no such user).
#
# Usage:   eval "$(bash start-pgbouncer.sh)"        # exports TENANCY_TEST_PGBOUNCER_URL
#          bash start-pgbouncer.sh stop             # stops the PgBouncer this script started
# Settings (environment, all optional):
#   PGBOUNCER_PORT=6432  PG_HOST=127.0.0.1  PG_PORT=5432  PG_DATABASE=test
#   PG_ADMIN_USER=postgres  PG_ADMIN_PASSWORD=  (a superuser; also used as auth_user and admin console user)
#   PGBOUNCER_DIR=/tmp/tenancy-pgbouncer       (config, auth file, log and pid file)
# Only the export line goes to stdout; progress goes to stderr.
set -euo pipefail

port="${PGBOUNCER_PORT:-6432}"
pg_host="${PG_HOST:-127.0.0.1}"
pg_port="${PG_PORT:-5432}"
pg_db="${PG_DATABASE:-test}"
admin="${PG_ADMIN_USER:-postgres}"
admin_password="${PG_ADMIN_PASSWORD:-}"
dir="${PGBOUNCER_DIR:-/tmp/tenancy-pgbouncer}"

log() { echo "start-pgbouncer: $*" >&2; }

stop_running() {
  if [[ -f "$dir/pgbouncer.pid" ]]; then
    local pid
    pid="$(cat "$dir/pgbouncer.pid" 2>/dev/null || true)"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      log "stopping PgBouncer pid $pid"
      kill -TERM "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$dir/pgbouncer.pid"
  fi
}

if [[ "${1:-}" == "stop" ]]; then
  stop_running
  exit 0
fi

bin="$(command -v pgbouncer || true)"
[[ -z "$bin" && -x /usr/sbin/pgbouncer ]] && bin=/usr/sbin/pgbouncer
if [[ -z "$bin" ]]; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing pgbouncer with apt-get"
    # The Debian package's own service is not wanted; in containers without systemd it does not start anyway.
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >&2
    bin="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
  else
    log "pgbouncer is not installed; install it (e.g. 'apt-get install pgbouncer') and run this script again"
    exit 1
  fi
fi

run_as=""
if [[ "$(id -u)" -eq 0 ]]; then
  # PgBouncer exits with "PgBouncer should not run as root".
  if id postgres >/dev/null 2>&1; then run_as=postgres; else run_as=nobody; fi
fi

stop_running
mkdir -p "$dir"

# auth_type=trust plus auth_user/auth_query: clients need no password, and roles that tests create on the fly
# are looked up in pg_shadow when they first connect, so nothing here has to change when a role is added.
# The server side still authenticates PgBouncer's own connections, so the server must trust loopback (or use
# md5 passwords, which PgBouncer can replay from the auth_query result).
cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=$pg_host port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir = $dir
pool_mode = transaction
default_pool_size = 5
max_client_conn = 200
auth_type = trust
auth_file = $dir/userlist.txt
auth_user = $admin
auth_query = SELECT usename, passwd FROM pg_shadow WHERE usename=\$1
admin_users = $admin
stats_users = $admin
ignore_startup_parameters = extra_float_digits,options
server_idle_timeout = 30
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
printf '"%s" "%s"\n' "$admin" "$admin_password" > "$dir/userlist.txt"
chmod 700 "$dir"
chmod 600 "$dir/pgbouncer.ini" "$dir/userlist.txt"
if [[ -n "$run_as" ]]; then
  chown -R "$run_as" "$dir"
  runuser -u "$run_as" -- "$bin" -d -q "$dir/pgbouncer.ini"
else
  "$bin" -d -q "$dir/pgbouncer.ini"
fi

for _ in $(seq 1 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "PgBouncer $("$bin" --version | head -1 | awk '{print $2}') listening on 127.0.0.1:$port (transaction mode), log $dir/pgbouncer.log"
    url="jdbc:postgresql://127.0.0.1:$port/$pg_db?user=$admin&prepareThreshold=0"
    [[ -n "$admin_password" ]] && url="$url&password=$admin_password"
    echo "export TENANCY_TEST_PGBOUNCER_URL='$url'"
    exit 0
  fi
  sleep 0.1
done
log "PgBouncer did not start listening on 127.0.0.1:$port; see $dir/pgbouncer.log"
tail -20 "$dir/pgbouncer.log" >&2 || true
exit 1
