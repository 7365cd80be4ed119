#!/usr/bin/env bash
# `make run`: the web server in the foreground and the scheduler beside it, in its own
# process; stopping the server (Ctrl-C) stops the scheduler too.
set -euo pipefail
FLASK=${FLASK:-".venv/bin/flask --app wsgi"}
PORT=${PORT:-5000}
export RONGTONG_PUBLIC_URL=${RONGTONG_PUBLIC_URL:-"http://127.0.0.1:${PORT}"}
# Every later command of this instance (flask digest preview, a scheduler started by hand)
# links to where it serves, without the variable.
mkdir -p instance && printf '%s\n' "$RONGTONG_PUBLIC_URL" > instance/public_url

$FLASK scheduler run &
scheduler=$!
stop_scheduler() {
  kill -TERM "$scheduler" 2>/dev/null || true
  wait "$scheduler" 2>/dev/null || true
}
trap stop_scheduler EXIT

$FLASK run --host 127.0.0.1 --port "$PORT"
