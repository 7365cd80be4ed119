"""The ceiling: a bare Flask "hello", served by the same gunicorn config as the app.

.venv/bin/gunicorn -c gunicorn.conf.py --chdir bench/load hello:app
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
