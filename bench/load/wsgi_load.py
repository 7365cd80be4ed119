"""The app as the load test serves it: ``wsgi.py``'s app with the load database's instance
folder (bench/load/instance/, where bench/gen_data.py built the matcher index), so that the
development instance folder and its index are left alone.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/rongtong_load \
    RONGTONG_SECRET_KEY=load-test-only \
    .venv/bin/gunicorn -c gunicorn.conf.py --chdir bench/load wsgi_load:app
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from rongtong import create_app  # noqa: E402

app = create_app()
app.instance_path = os.environ.get("LOAD_INSTANCE_PATH", str(HERE / "instance"))
