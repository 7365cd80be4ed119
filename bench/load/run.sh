#!/usr/bin/env bash
# The whole load test: generate the load database if it is missing, then the sweep
# (bench/load/run.py). Loopback only; every locust run is bounded in time and requests.
#   bench/load/run.sh                 # sweep 1 2 4 8 users, 30 s each, then hello
#   bench/load/run.sh --soak          # also the 10-minute soak afterwards
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
make --no-print-directory install >/dev/null
[[ -x .venv/bin/locust ]] || .venv/bin/pip install --quiet -e '.[load]'   # locust, psutil
export LOAD_DATABASE_URL="${LOAD_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/rongtong_load}"
if ! $PY - <<'PY'
import os, psycopg
url = os.environ["LOAD_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
with psycopg.connect(url) as c:
    n = c.execute("SELECT count(*) FROM listings").fetchone()[0]
assert n >= 100_000, n
PY
then
  $PY bench/gen_data.py --database-url "$LOAD_DATABASE_URL"
fi
DATABASE_URL="$LOAD_DATABASE_URL" RONGTONG_SECRET_KEY=load-test-only \
  .venv/bin/flask --app bench/load/wsgi_load.py:app db upgrade heads
$PY bench/load/run.py --users 1 2 4 8 --duration "${LOAD_DURATION:-30}"
if [[ "${1:-}" == "--soak" ]]; then
  $PY bench/load/soak.py --minutes "${SOAK_MINUTES:-10}"
fi
