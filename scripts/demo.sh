#!/usr/bin/env bash
# `make demo`: embedded services, migrations, demo data and every process
# under honcho. Ctrl-C stops the processes and the services this started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-polybot.settings.dev}
export PYTHONUNBUFFERED=1

stop_services() {
  echo
  echo "Stopping embedded services..."
  $PY -m polybot.embedded stop || true
}
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  # Servers that were already up (another command started them) stay up.
  if ! $PY -m polybot.embedded status >/dev/null 2>&1; then
    trap stop_services EXIT
  fi
  $PY -m polybot.embedded start
fi

$PY manage.py migrate --noinput
$PY manage.py setup_periodic_tasks
$PY manage.py demo_setup

PORT=${PORT:-8000}
echo
echo "  polybot is starting on http://127.0.0.1:${PORT}/  (Ctrl-C stops everything)"
echo
export PORT
.venv/bin/honcho start -f Procfile.demo
