"""PLACEHOLDER until the import lands (being written)."""
from flask.cli import AppGroup

import_cli = AppGroup("import")
export_cli = AppGroup("export")
