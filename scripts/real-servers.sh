#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL 15 cluster and Redis server on 127.0.0.1.
#   scripts/real-servers.sh start DIR   # prints the environment to use (export lines)
#   scripts/real-servers.sh stop DIR
# Used by .ci/run and the benchmarks. Installs redis-server if it is missing.
set -euo pipefail
action=${1:?start or stop}
dir=${2:?a working directory}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# The first port from $1 up that nothing listens on.
free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

case "$action" in
start)
  PG_PORT=${PG_PORT:-$(free_port 55432)}
  REDIS_PORT=${REDIS_PORT:-$(free_port 56379)}
  if ! command -v redis-server >/dev/null; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
  fi
  mkdir -p "$dir"
  chown postgres "$dir"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 >/dev/null
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w \
    -o "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c shared_buffers=1GB -c max_wal_size=4GB" start >/dev/null
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
  echo "$REDIS_PORT" > "$dir/redis.port"
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/accountability"
  echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
  echo "export CELERY_BROKER_URL=redis://127.0.0.1:$REDIS_PORT/1"
  ;;
stop)
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/pg" stop -m fast >/dev/null 2>&1 || true
  [ -f "$dir/redis.port" ] && redis-cli -p "$(cat "$dir/redis.port")" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
