"""``flask import enterprises|listings FILE`` and ``flask export listings``."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..audit import services as audit
from ..extensions import db
from . import exports, report_files, services, staff

import_cli = AppGroup("import", help="Import enterprises or listings from .jsonl, .csv or .xlsx.")
export_cli = AppGroup("export", help="Export listings as CSV or XLSX.")

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _run_import(kind: str, path: Path, dry_run: bool, error_file: Path | None) -> None:
    try:
        rows = services.read_rows(path)
    except services.ImportFileError as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    total = len(rows)

    def checkpoint(written, line: int) -> None:
        # Committed in batches: a crash keeps every batch reported here, and a re-run of the
        # same file updates those rows (keyed) and adds the rest.
        db.session.commit()
        done = written.created + written.updated + len(written.failed_lines)
        click.echo(
            f"{path.name}: committed through line {line} ({done}/{total} rows: "
            f"{written.created} created, {written.updated} updated)",
            err=True,
        )

    report = staff.run_import(
        kind,
        rows,
        dry_run=dry_run,
        checkpoint=checkpoint,
        batch_rows=int(current_app.config["IMPORT_BATCH_ROWS"]),
    )
    if not dry_run:
        audit.record(
            None, "import.run", None, None, services.report_summary(report, kind, path.name)
        )
        # Good rows are kept even when others failed; each failed row left nothing behind.
        db.session.commit()
    would = "would be " if dry_run else ""
    click.echo(
        f"{path.name}: {report.created} {would}created, {report.updated} {would}updated, "
        f"{len(report.refused)} rows refused" + (" (dry run: nothing written)" if dry_run else "")
    )
    if report.ignored_columns:
        click.echo(f"  columns ignored: {', '.join(report.ignored_columns)}")
    for line, column, message in report.errors:
        click.echo(f"  line {line}, {column}: {message}")
    if report.errors and error_file is not None:
        fmt = path.suffix.lower().lstrip(".")
        messages = report.messages_by_line()
        error_file.write_bytes(report_files.error_file(path.read_bytes(), fmt, messages))
        click.echo(f"  error report: {error_file}")
    if report.errors:
        raise click.exceptions.Exit(1)


DRY_RUN = click.option(
    "--dry-run", is_flag=True, help="Check every row and say what would happen; write nothing."
)
ERROR_FILE = click.option(
    "--error-file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the file back with an error column, to fix and import again.",
)


@import_cli.command("enterprises")
@click.argument("file", type=FILE)
@DRY_RUN
@ERROR_FILE
def import_enterprises_command(file: Path, dry_run: bool, error_file: Path | None):
    """Create or update enterprises (keyed by credit code) from FILE."""
    _run_import("enterprises", file, dry_run, error_file)


@import_cli.command("listings")
@click.argument("file", type=FILE)
@DRY_RUN
@ERROR_FILE
def import_listings_command(file: Path, dry_run: bool, error_file: Path | None):
    """Create or update listings (keyed by ref) from FILE."""
    _run_import("listings", file, dry_run, error_file)


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
@click.option("--with-contacts", is_flag=True, help="Add each enterprise's contact columns.")
def export_listings_command(fmt, output, with_contacts, **options):
    """Export listings with Chinese headers and labels (the file re-imports as it is)."""
    if fmt == "xlsx" and output is None:
        raise click.UsageError("XLSX goes to a file: add -o FILE.")
    viewer = "operator" if with_contacts else None
    data = exports.export_listings(exports.filters_from_args(options), fmt, viewer=viewer)
    if output is None:
        click.echo(data, nl=False)  # bytes go to the binary stream
        return
    output.write_bytes(data)
    click.echo(f"Wrote {output}.", err=True)
