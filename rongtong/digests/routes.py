"""Digest preferences, and unsubscribing from a link in the mail."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.auth import member_required
from ..core.forms import select_choices
from ..core.services import ServiceError
from ..extensions import csrf, db
from ..listings.models import Listing
from ..listings.services import can_view
from ..matches.models import MatchJudgement
from ..matches.services import restore_match
from ..taxonomy.models import Chain
from . import services
from .forms import PreferencesForm

bp = Blueprint("digests", __name__, url_prefix="/digests", template_folder="templates")


def _judgements():
    """The "not relevant" verdicts on the member's enterprise's listings, as (judgement,
    listing, counterpart or None): a counterpart the member may no longer see (unpublished,
    back to draft) is shown without its title."""
    rows = db.session.execute(
        db.select(MatchJudgement, Listing)
        .join(Listing, Listing.id == MatchJudgement.listing_id)
        .where(Listing.enterprise_id == current_user.enterprise_id)
        .order_by(MatchJudgement.created_at.desc())
    ).all()
    return [
        (judgement, listing, judgement.counterpart)
        if can_view(current_user, judgement.counterpart)
        else (judgement, listing, None)
        for judgement, listing in rows
    ]


@bp.route("/preferences", methods=["GET", "POST"])
@member_required
def preferences():
    preference = services.preference_for(current_user)
    form = PreferencesForm()
    form.chains.choices = select_choices(Chain)
    if request.method == "GET":
        form.frequency.data = preference.frequency if preference else "weekly"
        form.chains.data = [c.code for c in preference.chains] if preference else []
        form.min_score.data = round((preference.min_score if preference else 0) * 100)
    if form.validate_on_submit():
        chains = db.session.execute(
            db.select(Chain).where(Chain.code.in_(form.chains.data or []))
        ).scalars()
        services.save_preferences(
            current_user,
            frequency=form.frequency.data,
            chains=chains,
            min_score=(form.min_score.data or 0) / 100,
        )
        flash(_("摘要设置已保存。"), "success")
        return redirect(url_for("digests.preferences"))
    return render_template("digests/preferences.html", form=form, judgements=_judgements())


@bp.post("/preferences/judgements/<int:judgement_id>/restore")
@member_required
def restore(judgement_id: int):
    judgement = db.get_or_404(MatchJudgement, judgement_id)
    listing = db.session.get(Listing, judgement.listing_id)
    if listing is None or listing.enterprise_id != current_user.enterprise_id:
        abort(404)
    restore_match(listing, judgement.counterpart_id)
    flash(_("已恢复该匹配。"), "info")
    return redirect(url_for("digests.preferences"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click POSTs come from mail clients; the signed token stands in
def unsubscribe(token: str):
    """GET asks for confirmation; POST (the page's button or a one-click client) acts."""
    try:
        user = services.user_for_unsubscribe_token(token)
    except ServiceError as exc:
        return render_template("digests/unsubscribe.html", error=exc.message), exc.status
    if request.method == "GET":
        return render_template("digests/unsubscribe.html", user=user, token=token)
    services.unsubscribe(user)
    return render_template("digests/unsubscribe.html", user=user, done=True)
