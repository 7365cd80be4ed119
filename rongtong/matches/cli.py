"""``flask match rebuild``, ``flask match eval FILE`` and ``flask match train``."""

import click
from flask.cli import AppGroup

from matching import evaluate_matcher, load_judgements

from ..extensions import db
from ..listings.models import Listing
from . import services

match_cli = AppGroup("match", help="The matcher's index and its evaluation.")


@match_cli.command("rebuild")
def rebuild_command():
    """Refit the index on every published listing; running web workers pick it up."""

    def progress(rows):
        rows = list(rows)
        with click.progressbar(rows, label="Reading listings") as bar:
            yield from bar

    build = services.rebuild_index(progress=progress)
    db.session.commit()
    click.echo(f"Index {build.id}: {build.n_docs} listings in {build.duration_ms} ms.")


@match_cli.command("eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("-k", default=10, show_default=True, help="Cut-off for nDCG and recall.")
def eval_command(path, k):
    """Print nDCG@k, MRR and recall@k on judged pairs (JSON lines: challenge, capability, grade)."""
    try:
        judged_by_ref = load_judgements(path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    refs = {ref for caps in judged_by_ref.values() for ref in caps} | set(judged_by_ref)
    rows = db.session.execute(db.select(Listing.ref, Listing.id).where(Listing.ref.in_(refs)))
    ids = {ref: listing_id for ref, listing_id in rows}
    missing = sorted(refs - ids.keys())
    if missing:
        click.echo(f"{len(missing)} refs not in the database, skipped: {', '.join(missing[:10])}")
    judged = {
        ids[ch]: {ids[ca]: g for ca, g in caps.items() if ca in ids}
        for ch, caps in judged_by_ref.items()
        if ch in ids
    }
    listings = list(
        db.session.execute(db.select(Listing).where(Listing.id.in_(ids.values()))).scalars()
    )
    docs = {listing.id: services.listing_doc(listing) for listing in listings}
    # The corpus is every published listing plus the judged ones, whatever their status.
    corpus = {
        listing.id: services.listing_doc(listing) for listing in services.matchable_listings()
    }
    corpus.update(docs)
    matcher = services.new_matcher().fit(list(corpus.values()))
    scores = evaluate_matcher(matcher, judged, k=k)
    click.echo(f"{'metric':<12}{'value':>8}")
    for name, value in scores.items():
        click.echo(f"{name:<12}{value:>8.4f}")
    click.echo(f"({len(judged)} judged challenges, corpus of {len(corpus)} listings)")


@match_cli.command("train")
def train_command():
    """Retrain the learned blend from what people did (as the nightly job does), guarded."""
    from . import learning

    run = learning.retrain_blend()
    click.echo(f"{run.reason}: {run.pairs} pairs from {dict(run.counts) or 'no use yet'}")
    for name, figures in (run.candidate or {}).items():
        before = run.previous.get(name, {}).get("ndcg@10")
        click.echo(f"  {name}: nDCG@10 {figures['ndcg@10']:.4f} (model in use: {before})")
