#!/usr/bin/env bash
# `make demo`: embedded services, migrations, the sandbox venue, a catalogue
# sync from it, and every process under honcho. Ctrl-C stops what this started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-polybot.settings.dev}
export PYTHONUNBUFFERED=1
SANDBOX_PORT=${SANDBOX_PORT:-8765}
mkdir -p var/log

started_services=no
sandbox_pid=""
cleanup() {
  echo
  if [ -n "$sandbox_pid" ]; then
    echo "Stopping the sandbox venue..."
    kill "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
  fi
  if [ "$started_services" = yes ]; then
    echo "Stopping embedded services..."
    $PY -m polybot.embedded stop || true
  fi
}
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  # Servers that were already up (another command started them) stay up.
  $PY -m polybot.embedded status >/dev/null 2>&1 || started_services=yes
  $PY -m polybot.embedded start
fi

# Wallet secrets are only ever stored encrypted: give the demo a master key
# of its own, made once and kept under var/ (a real install sets ENCRYPTION_KEY).
if [ -z "${ENCRYPTION_KEY:-}" ] && [ -z "${ENCRYPTION_KEY_FILE:-}" ]; then
  [ -s var/demo-encryption.key ] || (umask 077 && printf %s "$($PY -m polybot.lib.crypto)" > var/demo-encryption.key)
  export ENCRYPTION_KEY_FILE=var/demo-encryption.key
fi

$PY manage.py migrate --noinput
$PY manage.py setup_periodic_tasks
$PY manage.py demo_setup

# The demo trades against the sandbox venue, never the real Polymarket.
export POLYMARKET_CLOB_URL="http://127.0.0.1:${SANDBOX_PORT}/clob"
export POLYMARKET_GAMMA_URL="http://127.0.0.1:${SANDBOX_PORT}/gamma"
export POLYMARKET_DATA_URL="http://127.0.0.1:${SANDBOX_PORT}/data-api"
export POLYMARKET_WS_URL="ws://127.0.0.1:${SANDBOX_PORT}/ws"
# The sandbox catalogue is small: watch every market so every page is live.
export POLYBOT_STREAM_WATCH_ALL_UP_TO=${POLYBOT_STREAM_WATCH_ALL_UP_TO:-500}
export POLYBOT_STREAM_SNAPSHOT_INTERVAL=${POLYBOT_STREAM_SNAPSHOT_INTERVAL:-15}

echo "Starting the sandbox venue on port ${SANDBOX_PORT} (log: var/log/sandbox.log)..."
$PY manage.py sandbox_venue --seed 1 --port "$SANDBOX_PORT" > var/log/sandbox.log 2>&1 &
sandbox_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:${SANDBOX_PORT}/clob/ok" >/dev/null 2>&1 && break
  kill -0 "$sandbox_pid" 2>/dev/null || { echo "the sandbox did not start:"; cat var/log/sandbox.log; exit 1; }
  sleep 0.2
done
# A failed first sync must not stop the demo: beat retries every minute.
$PY manage.py sync_markets --full || echo "warning: the first catalogue sync failed (see above); the worker retries every minute"

PORT=${PORT:-8000}
echo
echo "  polybot is starting on http://127.0.0.1:${PORT}/  (Ctrl-C stops everything)"
echo
export PORT
.venv/bin/honcho start -f Procfile.demo
