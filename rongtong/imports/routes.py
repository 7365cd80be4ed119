"""PLACEHOLDER until the import lands (being written)."""
from flask import Blueprint

bp = Blueprint("imports", __name__)


@bp.get("/imports")
def upload():
    return ""
