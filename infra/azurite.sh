#!/usr/bin/env bash
# Local Azure Storage (Azurite, pinned in infra/package.json) on loopback, for tests and the demo.
#
#   infra/azurite.sh start    install on first use (npm ci), start if not running, wait until it answers
#   infra/azurite.sh stop     stop the Azurite this folder started (found by its pid file)
#   infra/azurite.sh status   say whether it answers; exit 0 when it does
#
# Environment: SAEI_AZURITE_DIR (data folder, default <repo>/.azurite), SAEI_AZURITE_{BLOB,QUEUE,TABLE}_PORT
# (defaults 10000, 10001, 10002). `start` prints "started" or "reused" on its last line.
#
# Failure model: a stale Azurite left by a killed run is reused when it answers and replaced when it does not;
# a port held by something that is not Azurite is reported, never fought with; a data folder that Azurite cannot
# open (e.g. torn by kill -9 during a write) is moved aside and Azurite starts on a fresh one.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
data=${SAEI_AZURITE_DIR:-$root/.azurite}
blob_port=${SAEI_AZURITE_BLOB_PORT:-10000}
queue_port=${SAEI_AZURITE_QUEUE_PORT:-10001}
table_port=${SAEI_AZURITE_TABLE_PORT:-10002}
pid_file=$data/azurite.pid
log_file=$data/azurite.log

say() { printf 'azurite: %s\n' "$*" >&2; }

# What answers on a port: "azurite", "other" (something else listens) or "none".
probe() {
  local port=$1 headers
  headers=$(curl -s -m 2 -o /dev/null -D - "http://127.0.0.1:$port/" 2>/dev/null || true)
  if grep -qi '^server: *azurite' <<<"$headers"; then echo azurite
  elif [ -n "$headers" ] || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo other
  else echo none; fi
}

all_answer() {
  [ "$(probe "$blob_port")" = azurite ] && [ "$(probe "$queue_port")" = azurite ] && [ "$(probe "$table_port")" = azurite ]
}

install() {
  if [ ! -x "$here/node_modules/.bin/azurite" ]; then
    command -v npm >/dev/null || { say "npm is not installed; install Node.js 20+ and npm, then run again"; exit 1; }
    say "installing Azurite (first use: npm ci in infra/)"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

our_pid() { [ -f "$pid_file" ] && cat "$pid_file" 2>/dev/null || true; }

stop() {
  local pid; pid=$(our_pid)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    say "stopped (pid $pid)"
  fi
  rm -f "$pid_file"
}

launch() {
  mkdir -p "$data"
  # setsid: Azurite outlives the shell that started it, so a killed test run leaves it reusable, not orphaned mid-write.
  # --disableTelemetry: otherwise Azurite records every request for Application Insights and keeps trying to send it
  # (no network here), which costs CPU even while idle, on the same cores as the tests and the demo.
  setsid node "$here/node_modules/azurite/dist/src/azurite.js" \
    --location "$data" --silent --loose --skipApiVersionCheck --disableProductStyleUrl --disableTelemetry \
    --blobHost 127.0.0.1 --blobPort "$blob_port" \
    --queueHost 127.0.0.1 --queuePort "$queue_port" \
    --tableHost 127.0.0.1 --tablePort "$table_port" >"$log_file" 2>&1 < /dev/null &
  echo $! >"$pid_file"
  for _ in $(seq 1 150); do
    all_answer && return 0
    kill -0 "$(our_pid)" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

start() {
  if all_answer; then echo reused; return 0; fi
  # Something answers but not as a whole Azurite: ours and stale (replace it), or somebody else's (refuse).
  for port in "$blob_port" "$queue_port" "$table_port"; do
    if [ "$(probe "$port")" = other ]; then
      say "port $port is taken by something that is not Azurite; free it or choose other ports with SAEI_AZURITE_BLOB_PORT, SAEI_AZURITE_QUEUE_PORT, SAEI_AZURITE_TABLE_PORT (and SAEI_STORAGE)"
      exit 1
    fi
  done
  stop
  install
  if ! launch; then
    if grep -q EADDRINUSE "$log_file" 2>/dev/null; then
      stop
      say "a port of $blob_port/$queue_port/$table_port is in use by another program; free it or set SAEI_AZURITE_{BLOB,QUEUE,TABLE}_PORT"
      exit 1
    fi
    say "Azurite did not come up on $data; moving that data folder aside and starting fresh. Its log:"
    tail -n 20 "$log_file" >&2 || true
    stop
    mv "$data" "$data.broken-$(date +%Y%m%d%H%M%S)"
    launch || { say "Azurite failed to start twice; see $log_file"; exit 1; }
  fi
  echo started
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if all_answer; then echo "running on 127.0.0.1:$blob_port/$queue_port/$table_port"; else echo "not running"; exit 1; fi ;;
  *) echo "usage: infra/azurite.sh start|stop|status" >&2; exit 2 ;;
esac
