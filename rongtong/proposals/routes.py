"""Pages for 揭榜: the proposal form, a proposal, the owner's review list, 我的揭榜, progress."""

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import User
from ..core.auth import member_required, organizer_required
from ..core.confirm import confirm_first
from ..core.forms import flash_form_errors
from ..core.services import ServiceError
from ..core.web import service_errors
from ..extensions import db
from ..listings import services as listing_services
from ..listings.models import Listing
from . import services, timeline
from .attachments import send_attachment
from .forms import (
    AcceptForm,
    ActionForm,
    DeclineForm,
    MessageForm,
    ProposalForm,
    ReviewerForm,
    TermsForm,
)
from .models import Proposal, ProposalAttachment

bp = Blueprint("proposals", __name__, template_folder="templates")

#: The forms whose text must survive files over the limits.
UPLOAD_FORMS = frozenset({"proposals.new", "proposals.edit"})


def _read_whole_upload_forms() -> None:
    """On the proposal form, read a body beyond MAX_CONTENT_LENGTH (up to the read cap), so
    that the typed text arrives and the form comes back with it and a message."""
    if request.endpoint in UPLOAD_FORMS:
        request.max_content_length = int(current_app.config["PROPOSAL_FORM_READ_MAX_BYTES"])


@bp.record_once
def _first_before_request(state) -> None:
    # First of all: the CSRF check, an app-wide before_request registered earlier, reads the
    # form, and with it the body under whatever limit is set by then.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _read_whole_upload_forms)


def _upload_limits() -> dict:
    config = current_app.config
    return {
        "limit_mb": services._megabytes(config["PROPOSAL_ATTACHMENT_MAX_BYTES"]),
        "request_mb": services._megabytes(config["PROPOSAL_REQUEST_MAX_BYTES"]),
    }


def _request_too_large(form: ProposalForm) -> bool:
    """The files together exceed the per-submission limit: say so on the form, save nothing."""
    limit = int(current_app.config["PROPOSAL_REQUEST_MAX_BYTES"])
    if (request.content_length or 0) <= limit:
        return False
    form.attachments.errors = [
        *form.attachments.errors,
        _(
            "附件合计超过单次提交 %(mb)s MB 的上限，未能上传，方案也未保存。已填写的内容"
            "保留在下方：请压缩或分次上传附件（单个文件不超过 %(file_mb)s MB）后再提交。",
            mb=_upload_limits()["request_mb"],
            file_mb=_upload_limits()["limit_mb"],
        ),
    ]
    return True


# --- helpers --------------------------------------------------------------------------------------


def _listing(listing_id: int) -> Listing:
    listing = db.get_or_404(Listing, listing_id)
    if not listing_services.can_view(current_user, listing) or not listing.is_challenge:
        abort(404)
    return listing


def _readable(proposal_id: int) -> Proposal:
    proposal = db.get_or_404(Proposal, proposal_id)
    if not services.can_read(current_user, proposal):
        abort(403)
    return proposal


def _uploads(form: ProposalForm) -> list[tuple[str, bytes]]:
    """The chosen files as (name, first limit+1 bytes): read once, so that a retried unit
    of work (and the size check) sees the same bytes."""
    limit = int(current_app.config["PROPOSAL_ATTACHMENT_MAX_BYTES"])
    files = []
    for upload in form.attachments.data or ():
        if upload is None or not upload.filename:  # the empty part of "no file chosen"
            continue
        files.append((upload.filename, upload.stream.read(limit + 1)))
    return files


def _form_data(form: ProposalForm) -> dict:
    return {
        "summary": form.summary.data or "",
        "approach": form.approach.data or "",
        "team": form.team.data or "",
        "timeline": form.timeline.data or "",
        "quote": form.quote.data,
    }


def _save_files(proposal: Proposal, uploads) -> None:
    for name, data in uploads:
        services.add_attachment(proposal, current_user, name, io.BytesIO(data))


# --- proposing ------------------------------------------------------------------------------------


@bp.route("/listings/<int:listing_id>/propose", methods=["GET", "POST"])
@member_required
def new(listing_id: int):
    """The 揭榜 form: save a draft or submit at once (with files)."""
    listing = _listing(listing_id)
    existing = services.proposal_of(current_user.enterprise_id, listing)
    if existing is not None:
        flash(_("本单位已有该榜单的揭榜方案。"), "info")
        return redirect(url_for("proposals.detail", proposal_id=existing.id))
    error = services.eligibility_error(current_user, listing)
    if error is not None:
        abort(error.status, str(error.message))
    form = ProposalForm()
    accepted = services.has_accepted_terms(current_user, listing)
    if form.validate_on_submit() and not _request_too_large(form):
        uploads = _uploads(form)
        submit = bool(form.submit.data)
        with service_errors(form):
            try:
                proposal = services.create_proposal(
                    current_user,
                    listing,
                    _form_data(form),
                    submit=False,
                    accept=form.accept_terms.data,
                )
                _save_files(proposal, uploads)
                if submit:
                    services.submit_proposal(proposal, current_user)
            except ServiceError as exc:
                if exc.code != "duplicate":
                    raise
                # Someone of the same enterprise was quicker: show theirs.
                db.session.rollback()
                flash(str(exc.message), "error")
                mine = services.proposal_of(current_user.enterprise_id, listing)
                return redirect(
                    url_for("proposals.detail", proposal_id=mine.id)
                    if mine
                    else url_for("listings.detail", listing_id=listing.id)
                )
            flash(
                _("方案已提交，发榜单位会收到通知。") if submit else _("已保存为草稿。"), "success"
            )
            return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    return render_template(
        "proposals/form.html",
        form=form,
        listing=listing,
        proposal=None,
        terms=services.terms_text(listing),
        accepted=accepted,
        **_upload_limits(),
    )


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    proposal = _readable(proposal_id)
    if not services.is_proposer_side(current_user, proposal):
        abort(403)
    if proposal.status != "draft":
        flash(_("方案提交后不能再修改。"), "info")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    listing = proposal.listing
    form = ProposalForm(obj=proposal)
    if form.validate_on_submit() and not _request_too_large(form):
        uploads = _uploads(form)
        submit = bool(form.submit.data)
        with service_errors(form):
            services.update_draft(proposal, current_user, _form_data(form))
            _save_files(proposal, uploads)
            if submit:
                services.submit_proposal(proposal, current_user, accept=form.accept_terms.data)
            flash(_("方案已提交，发榜单位会收到通知。") if submit else _("草稿已保存。"), "success")
            return redirect(url_for("proposals.detail", proposal_id=proposal_id))
    return render_template(
        "proposals/form.html",
        form=form,
        listing=listing,
        proposal=proposal,
        terms=services.terms_text(listing),
        accepted=services.has_accepted_terms(current_user, listing),
        **_upload_limits(),
    )


@bp.get("/proposals/<int:proposal_id>")
@login_required
def detail(proposal_id: int):
    proposal = _readable(proposal_id)
    listing = proposal.listing
    owner = services.is_owner_side(current_user, listing)
    proposer = services.is_proposer_side(current_user, proposal)
    party = (owner or proposer) and proposal.was_submitted
    return render_template(
        "proposals/detail.html",
        proposal=proposal,
        listing=listing,
        steps=timeline.timeline(proposal) if party else [],
        next_steps=timeline.next_steps(proposal, owner=owner) if party else [],
        contacts=timeline.contacts(proposal, owner=owner) if party else [],
        is_proposer=proposer,
        is_owner=owner and proposal.was_submitted,
        reason_labels=services.REASON_LABELS,
        status_labels=services.STATUS_LABELS,
        kind_labels=services.KIND_LABELS,
        action_form=ActionForm(),
        accept_form=AcceptForm(prefix="accept"),
        decline_form=DeclineForm(prefix="decline"),
        message_form=MessageForm(prefix="message"),
        terms_accepted=services.has_accepted_terms(current_user, listing),
    )


@bp.post("/proposals/<int:proposal_id>/submit")
@login_required
def submit(proposal_id: int):
    proposal = _readable(proposal_id)
    accept = request.form.get("accept_terms") in ("y", "1", "on", "true")
    with service_errors(forbidden_aborts=True):
        services.submit_proposal(proposal, current_user, accept=accept)
        flash(_("方案已提交，发榜单位会收到通知。"), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id: int):
    proposal = _readable(proposal_id)
    with service_errors(forbidden_aborts=True):
        page = confirm_first(
            lambda: services.withdraw_proposal(proposal, current_user),
            title=_("撤回方案"),
            question=_("撤回后发榜单位不再审阅这份方案，撤回不能撤销。确定撤回吗？"),
            button=_("确认撤回方案"),
            back=url_for("proposals.detail", proposal_id=proposal.id),
        )
        if page is not None:
            return page
        services.withdraw_proposal(proposal, current_user)
        flash(_("方案已撤回。"), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.post("/proposals/<int:proposal_id>/shortlist")
@login_required
def shortlist(proposal_id: int):
    proposal = _readable(proposal_id)
    with service_errors(forbidden_aborts=True):
        services.shortlist_proposal(proposal, current_user)
        flash(_("已列入入围。"), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.post("/proposals/<int:proposal_id>/accept")
@login_required
def accept(proposal_id: int):
    proposal = _readable(proposal_id)
    form = AcceptForm(prefix="accept")
    if not form.validate():
        flash_form_errors(form)
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    with service_errors(forbidden_aborts=True):
        page = confirm_first(
            lambda: services.accept_proposal(
                proposal, current_user, amount=form.amount.data, award=form.award.data
            ),
            title=_("接受方案并定标") if form.award.data else _("接受方案"),
            question=(
                _("接受并定标后，该榜单即告揭榜成功，成交计入对接成效，不能撤销。确定吗？")
                if form.award.data
                else _("接受后揭榜方会收到通知，不能撤销。确定接受这份方案吗？")
            ),
            button=_("确认接受并定标") if form.award.data else _("确认接受"),
            back=url_for("proposals.detail", proposal_id=proposal.id, _anchor="decide"),
        )
        if page is not None:
            return page
        services.accept_proposal(
            proposal, current_user, amount=form.amount.data, award=form.award.data
        )
        flash(_("已接受该方案，揭榜方会收到通知。"), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.post("/proposals/<int:proposal_id>/decline")
@login_required
def decline(proposal_id: int):
    proposal = _readable(proposal_id)
    form = DeclineForm(prefix="decline")
    if not form.validate():
        flash_form_errors(form)
        return redirect(url_for("proposals.detail", proposal_id=proposal.id, _anchor="decide"))
    with service_errors(forbidden_aborts=True):
        page = confirm_first(
            lambda: services.decline_proposal(
                proposal, current_user, reason=form.reason.data, note=form.note.data
            ),
            title=_("不予采纳"),
            question=_("揭榜方会收到未采纳的原因，这一决定不能撤销。确定不予采纳吗？"),
            button=_("确认不予采纳"),
            back=url_for("proposals.detail", proposal_id=proposal.id, _anchor="decide"),
        )
        if page is not None:
            return page
        services.decline_proposal(
            proposal, current_user, reason=form.reason.data, note=form.note.data
        )
        flash(_("已告知揭榜方未采纳的原因。"), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.post("/proposals/<int:proposal_id>/messages")
@login_required
def message(proposal_id: int):
    proposal = _readable(proposal_id)
    form = MessageForm(prefix="message")
    if not form.validate():
        flash(_("请填写内容。"), "error")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id, _anchor="thread"))
    with service_errors(forbidden_aborts=True):
        services.post_message(proposal, current_user, form.body.data)
        flash(_("留言已发送，对方会收到通知。"), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id, _anchor="thread"))


@bp.get("/proposals/<int:proposal_id>/attachments/<int:attachment_id>")
@login_required
def attachment(proposal_id: int, attachment_id: int):
    """The file, to those who may read the proposal; as a download under its checked name."""
    proposal = _readable(proposal_id)
    item = db.get_or_404(ProposalAttachment, attachment_id)
    if item.proposal_id != proposal.id:
        abort(404)
    return send_attachment(item)


@bp.post("/proposals/<int:proposal_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(proposal_id: int, attachment_id: int):
    proposal = _readable(proposal_id)
    item = db.get_or_404(ProposalAttachment, attachment_id)
    if item.proposal_id != proposal.id:
        abort(404)
    with service_errors():
        services.delete_attachment(item, current_user)  # the file goes once committed
        flash(_("附件已删除。"), "success")
    return redirect(url_for("proposals.edit", proposal_id=proposal.id))


# --- terms and confidential details -----------------------------------------------------------


@bp.route("/listings/<int:listing_id>/terms", methods=["GET", "POST"])
@member_required
def terms(listing_id: int):
    listing = _listing(listing_id)
    form = TermsForm()
    if request.method == "POST" and services.is_owner_side(current_user, listing):
        abort(403)  # an enterprise does not accept its own challenge's terms
    if form.validate_on_submit():
        try:
            services.accept_terms(current_user, listing)
        except ServiceError as exc:  # a refusal of the request itself: an error page
            abort(exc.status if exc.status in (403, 409) else 400, str(exc.message))
        flash(_("已接受保密条款，现在可以查看保密信息。"), "success")
        return redirect(url_for("listings.detail", listing_id=listing.id, _anchor="confidential"))
    return render_template(
        "proposals/terms.html",
        listing=listing,
        form=form,
        terms=services.terms_text(listing),
        accepted=services.has_accepted_terms(current_user, listing),
    )


# --- the owner's review list --------------------------------------------------------------------


def _reviewable(listing_id: int) -> Listing:
    listing = _listing(listing_id)
    if not (
        services.is_owner_side(current_user, listing) or services.is_reviewer(current_user, listing)
    ):
        abort(403)
    return listing


@bp.get("/listings/<int:listing_id>/proposals")
@login_required
def review(listing_id: int):
    listing = _reviewable(listing_id)
    owner = services.is_owner_side(current_user, listing)
    reviewer_form = ReviewerForm()
    reviewers = services.reviewers_of(listing)
    taken = {r.user_id for r in reviewers}
    reviewer_form.user_id.choices = [
        (u.id, f"{u.name or u.email}（{u.email}）")
        for u in services.organizer_choices()
        if u.id not in taken
    ]
    proposals = [p for p in services.visible_proposals(current_user, listing) if p.was_submitted]
    return render_template(
        "proposals/review.html",
        listing=listing,
        proposals=proposals,
        is_owner=owner,
        reviewers=reviewers,
        reviewer_form=reviewer_form,
        viewers=services.confidential_viewers(listing) if owner else [],
        acceptances=services.terms_acceptances(listing) if owner else [],
        status_labels=services.STATUS_LABELS,
        action_form=ActionForm(),
        can_award=owner
        and listing.status in ("published", "closed", "expired")
        and any(p.status == "accepted" for p in proposals),
    )


@bp.post("/listings/<int:listing_id>/award")
@login_required
def award(listing_id: int):
    listing = _reviewable(listing_id)
    with service_errors():
        page = confirm_first(
            lambda: services.award_challenge(listing, current_user),
            title=_("揭榜定标"),
            question=_("定标后榜单结束征集，成交计入对接成效，不能撤销。确定定标吗？"),
            button=_("确认定标"),
            back=url_for("proposals.review", listing_id=listing.id),
        )
        if page is not None:
            return page
        services.award_challenge(listing, current_user)
        flash(_("已揭榜定标，成交已计入对接成效。"), "success")
    return redirect(url_for("proposals.review", listing_id=listing.id))


@bp.post("/listings/<int:listing_id>/reviewers")
@login_required
def add_reviewer(listing_id: int):
    listing = _reviewable(listing_id)
    form = ReviewerForm()
    form.user_id.choices = [(u.id, u.email) for u in services.organizer_choices()]
    user_id = form.user_id.data if form.validate() else None
    # Ids beyond 64 bits exist nowhere (and overflow SQLite); no id, no organizer.
    valid = isinstance(user_id, int) and 0 < user_id < 2**31
    organizer = db.session.get(User, user_id) if valid else None
    with service_errors():
        services.add_reviewer(listing, organizer, current_user)
        flash(_("已设为评审人。"), "success")
    return redirect(url_for("proposals.review", listing_id=listing.id, _anchor="reviewers"))


@bp.post("/listings/<int:listing_id>/reviewers/<int:user_id>/remove")
@login_required
def remove_reviewer(listing_id: int, user_id: int):
    listing = _reviewable(listing_id)
    with service_errors():
        services.remove_reviewer(listing, user_id, current_user)
        flash(_("已移除评审人。"), "success")
    return redirect(url_for("proposals.review", listing_id=listing.id, _anchor="reviewers"))


# --- lists ----------------------------------------------------------------------------------------


@bp.get("/proposals/mine")
@member_required
def mine():
    """我的揭榜: the proposals of the user's enterprise, with where each stands."""
    return render_template(
        "proposals/mine.html",
        proposals=services.my_proposals(current_user.enterprise_id),
        status_labels=services.STATUS_LABELS,
        reason_labels=services.REASON_LABELS,
    )


@bp.get("/proposals/progress")
@organizer_required
def progress():
    """Organizers: progress per chain and per challenge, without content."""
    return render_template(
        "proposals/progress.html",
        chains=services.progress("chain"),
        challenges=services.progress("listing"),
        statuses=services.STATUSES[1:],
        status_labels=services.STATUS_LABELS,
    )


@bp.get("/proposals/overdue")
@organizer_required
def overdue():
    """Organizers: proposals whose owner has not answered in time."""
    from ..core.time import utcnow

    return render_template(
        "proposals/overdue.html",
        proposals=services.overdue_proposals(),
        now=utcnow(),
        status_labels=services.STATUS_LABELS,
        days=services.response_days(),
    )


# --- the challenge page's panel ---------------------------------------------------------------


@bp.app_template_global()
def proposal_panel(listing: Listing) -> dict:
    """What the challenge page shows about proposals to the current user."""
    user = current_user
    panel = {"show": listing.is_challenge, "role": None}
    if not listing.is_challenge or not user.is_authenticated:
        panel["role"] = "anonymous"
        return panel
    if services.is_owner_side(user, listing):
        panel.update(
            role="owner",
            proposals=[p for p in services.visible_proposals(user, listing) if p.was_submitted],
            status_labels=services.STATUS_LABELS,
            viewers=len(services.confidential_viewers(listing)),
        )
        return panel
    if services.is_reviewer(user, listing):
        panel.update(role="reviewer", counts=services.status_counts(listing))
        return panel
    if user.is_organizer:
        panel.update(role="organizer", counts=services.status_counts(listing))
        return panel
    own = services.proposal_of(user.enterprise_id, listing)
    error = services.eligibility_error(user, listing) if own is None else None
    panel.update(
        role="proposer",
        own=own,
        may_propose=own is None and error is None,
        reason=str(error.message) if error is not None else "",
        terms_accepted=services.has_accepted_terms(user, listing),
        may_accept_terms=error is None or error.code == "closed",
        status_labels=services.STATUS_LABELS,
    )
    return panel
