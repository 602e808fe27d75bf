#!/usr/bin/env bash
# Run a command with the embedded services up, stopping afterwards whatever
# this script started (a running demo is left alone).
set -euo pipefail
cd "$(dirname "$0")/.."
before=$(.venv/bin/python -m polybot.embedded status >/dev/null 2>&1 && echo up || echo down)
.venv/bin/python -m polybot.embedded start >/dev/null
status=0
"$@" || status=$?
if [ "$before" = down ]; then .venv/bin/python -m polybot.embedded stop >/dev/null; fi
exit $status
