"""``flask seed``: load the sample city from seed_data/ into an empty database."""

import csv
import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .accounts import services as accounts
from .enterprises.services import find_by_credit_code
from .extensions import db
from .taxonomy.models import VOCABULARIES, parse_aliases


def seed_taxonomies(seed_dir: Path) -> int:
    count = 0
    for name, model in VOCABULARIES.items():
        path = seed_dir / "taxonomies" / f"{name}.csv"
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                term = db.session.execute(
                    db.select(model).where(model.code == row["code"])
                ).scalar_one_or_none() or model(code=row["code"])
                term.label_zh = row["label_zh"]
                term.label_en = row["label_en"]
                term.position = int(row.get("position") or 0)
                if "group" in row and hasattr(term, "group"):
                    term.group = row["group"]
                if "aliases" in row:
                    term.aliases = "\n".join(parse_aliases(row["aliases"]))
                db.session.add(term)
                count += 1
    db.session.flush()
    return count


def seed_users(path: Path) -> int:
    count = 0
    if not path.exists():
        return 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if accounts.email_taken(row["email"]):
            continue
        enterprise = find_by_credit_code(row["enterprise"]) if row.get("enterprise") else None
        accounts.create_user(
            row["email"],
            row["password"],
            role=row.get("role", "member"),
            name=row.get("name", ""),
            enterprise=enterprise,
            locale=row.get("locale", "zh"),
        )
        count += 1
    return count


def is_seeded() -> bool:
    model = VOCABULARIES["chains"]
    return db.session.execute(db.select(model.id).limit(1)).first() is not None


def seed_all(seed_dir: Path, *, echo=lambda msg: None) -> None:
    """Taxonomies, enterprises, listings and demo users; the caller commits."""
    from .imports.services import import_enterprises, import_listings, read_rows

    echo(f"taxonomy terms: {seed_taxonomies(seed_dir)}")
    for kind, importer in (("enterprises", import_enterprises), ("listings", import_listings)):
        for path in sorted((seed_dir / kind).glob("*.jsonl")):
            report = importer(read_rows(path))
            echo(f"{path.name}: {report.created} created, {report.updated} updated")
            if report.errors:
                for line, field, message in report.errors:
                    echo(f"  {path.name}:{line} {field}: {message}")
                msg = f"seed file {path} has bad rows"
                raise click.ClickException(msg)
    if current_app.config.get("DEVELOPMENT") or current_app.config.get("TESTING"):
        echo(f"demo users: {seed_users(seed_dir / 'users.jsonl')}")
    else:
        # Their passwords are published in the README: never an account outside development.
        echo("demo users: none (only with RONGTONG_DEVELOPMENT=1)")
    from .events.seeding import load_events

    load_events(seed_dir, echo=echo)


@click.command("seed")
@click.option("--force", is_flag=True, help="Seed even if the database already has data.")
@with_appcontext
def seed_command(force: bool):
    """Load seed_data/ into an empty database (does nothing on later runs)."""
    if is_seeded() and not force:
        click.echo("Database already seeded; keeping its data.")
        return
    seed_all(Path(current_app.config["SEED_DATA_DIR"]), echo=click.echo)
    db.session.commit()
    from .matches.services import rebuild_index

    build = rebuild_index()
    db.session.commit()
    click.echo(f"Matcher index built on {build.n_docs} published listings.")
    click.echo("Seeded.")
