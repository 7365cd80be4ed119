"""``flask import enterprises|listings FILE`` and ``flask export listings``."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from . import services

import_cli = AppGroup("import", help="Import enterprises or listings from .jsonl, .csv or .xlsx.")
export_cli = AppGroup("export", help="Export listings as CSV or XLSX.")

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _run_import(importer, path: Path) -> None:
    try:
        rows = services.read_rows(path)
    except services.ImportFileError as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    total = len(rows)

    def checkpoint(report, line: int) -> None:
        # Committed in batches: a crash keeps every batch reported here, and a re-run of the
        # same file updates those rows (keyed) and adds the rest.
        db.session.commit()
        done = report.created + report.updated + len(report.failed_lines)
        click.echo(
            f"{path.name}: committed through line {line} ({done}/{total} rows: "
            f"{report.created} created, {report.updated} updated)",
            err=True,
        )

    report = importer(
        rows, checkpoint=checkpoint, batch_rows=int(current_app.config["IMPORT_BATCH_ROWS"])
    )
    # Good rows are kept even when others failed; each failed row left nothing behind.
    db.session.commit()
    click.echo(
        f"{path.name}: {report.created} created, {report.updated} updated, "
        f"{len(report.failed_lines)} rows failed"
    )
    for line, field, message in report.errors:
        click.echo(f"  line {line}, {field}: {message}")
    if report.errors:
        raise click.exceptions.Exit(1)


@import_cli.command("enterprises")
@click.argument("file", type=FILE)
def import_enterprises_command(file: Path):
    """Create or update enterprises (keyed by credit code) from FILE."""
    _run_import(services.import_enterprises, file)


@import_cli.command("listings")
@click.argument("file", type=FILE)
def import_listings_command(file: Path):
    """Create or update listings (keyed by ref) from FILE."""
    _run_import(services.import_listings, file)


@export_cli.command("listings")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="File to write; standard output (CSV only) if omitted.",
)
@click.option("--kind", type=click.Choice(["challenge", "capability"]))
@click.option(
    "--status",
    type=click.Choice(["published", "closed", "expired", "awarded", "all"]),
    default="published",
    show_default=True,
)
@click.option("--chain", help="Chain code.")
@click.option("--category", help="Category code.")
@click.option("--district", help="District code (of the enterprise).")
@click.option("-q", "--query", "q", help="Chinese search words.")
def export_listings_command(fmt, output, **options):
    """Export listings in the import format (the file re-imports as it is)."""
    if fmt == "xlsx" and output is None:
        raise click.UsageError("XLSX goes to a file: add -o FILE.")
    data = services.export_listings(services.filters_from_args(options), fmt)
    if output is None:
        click.echo(data, nl=False)  # bytes go to the binary stream
        return
    output.write_bytes(data)
    click.echo(f"Wrote {output}.", err=True)
