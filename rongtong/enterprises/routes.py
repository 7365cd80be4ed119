from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from ..core.auth import organizer_required
from ..core.confirm import confirm_first
from ..core.forms import select_choices, taxonomy_choices
from ..core.params import page_arg
from ..core.services import find_term
from ..core.web import service_errors
from ..extensions import db
from ..listings.models import Listing
from ..listings.services import PUBLIC_STATUSES
from ..taxonomy.models import Chain, District, EnterpriseKind, Tier
from . import merge, services
from .forms import EnterpriseForm, MergeForm, ReviewDecisionForm, UnverifyForm, VerifyForm
from .models import Enterprise, JoinRequest

bp = Blueprint("enterprises", __name__, url_prefix="/enterprises", template_folder="templates")


def _can_manage(enterprise: Enterprise) -> bool:
    return current_user.is_authenticated and (
        current_user.is_admin or current_user.enterprise_id == enterprise.id
    )


@bp.get("/")
def index():
    q = request.args.get("q", "").strip()
    stmt = (
        db.select(Enterprise)
        .where(Enterprise.verified_at.is_not(None))
        .options(selectinload(Enterprise.chains))  # the cards show chains: one query, not N
    )
    kind = request.args.get("kind")
    if kind:
        stmt = stmt.join(Enterprise.kind).where(EnterpriseKind.code == kind)
    if q:
        ids = services.search_ids(q)
        stmt = stmt.where(Enterprise.id.in_(ids))
    stmt = stmt.order_by(Enterprise.name)
    page = db.paginate(stmt, page=page_arg(), per_page=30, error_out=False)
    return render_template(
        "enterprises/index.html",
        page=page,
        q=q,
        kind=kind,
        kinds=taxonomy_choices(EnterpriseKind),
    )


@bp.get("/<int:enterprise_id>")
def detail(enterprise_id: int):
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    if not enterprise.verified and not (
        _can_manage(enterprise) or (current_user.is_authenticated and current_user.is_organizer)
    ):
        abort(404)
    statuses = PUBLIC_STATUSES if not _can_manage(enterprise) else None
    stmt = db.select(Listing).where(Listing.enterprise_id == enterprise.id)
    if statuses:
        stmt = stmt.where(Listing.status.in_(statuses))
    listings = db.session.execute(stmt.order_by(Listing.created_at.desc())).scalars().all()
    show_contact = current_user.is_authenticated and (
        _can_manage(enterprise)
        or current_user.is_organizer
        or (current_user.enterprise is not None and current_user.enterprise.verified)
    )
    insider = current_user.is_authenticated and (
        current_user.is_organizer or current_user.enterprise_id == enterprise.id
    )
    return render_template(
        "enterprises/detail.html",
        enterprise=enterprise,
        listings=listings,
        can_manage=_can_manage(enterprise),
        show_contact=show_contact,
        pending_joins=len(services.pending_join_requests(enterprise)) if insider else 0,
        verify_form=VerifyForm(),
        unverify_form=UnverifyForm(),
    )


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
@login_required
def edit(enterprise_id: int):
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    if not _can_manage(enterprise):
        abort(403)
    form = EnterpriseForm(obj=enterprise)
    form.kind.choices = select_choices(EnterpriseKind)
    form.tier.choices = select_choices(Tier, blank=_("（不适用）"))
    form.district.choices = select_choices(District)
    form.chains.choices = select_choices(Chain)
    if request.method == "GET":
        form.kind.data = enterprise.kind.code if enterprise.kind else None
        form.tier.data = enterprise.tier.code if enterprise.tier else ""
        form.district.data = enterprise.district.code if enterprise.district else None
        form.chains.data = [c.code for c in enterprise.chains]
    if form.validate_on_submit():
        other = services.find_by_credit_code(form.credit_code.data)
        if other is not None and other.id != enterprise.id:
            form.credit_code.errors.append(_("该统一社会信用代码已被其他单位使用。"))
        else:
            was_verified = enterprise.verified
            services.apply_profile(
                enterprise,
                {
                    "name": form.name.data.strip(),
                    "credit_code": form.credit_code.data,
                    "kind": find_term(EnterpriseKind, form.kind.data),
                    "tier": find_term(Tier, form.tier.data) if form.tier.data else None,
                    "district": find_term(District, form.district.data),
                    "chains": services.chains_by_codes(form.chains.data),
                    "description": form.description.data.strip(),
                    "website": form.website.data or "",
                    "contact_name": form.contact_name.data.strip(),
                    "contact_email": (form.contact_email.data or "").strip().lower(),
                    "contact_mobile": form.contact_mobile.data or "",
                },
                reviewed=current_user.is_organizer,
            )
            resubmitted = services.resubmit_for_review(enterprise)
            flash(_("单位资料已保存。"), "success")
            if was_verified and not enterprise.verified:
                flash(
                    _(
                        "单位名称、信用代码、类型或梯度已更改，需平台重新审核；"
                        "审核通过前不能发布、揭榜或报名活动。"
                    ),
                    "warning",
                )
            elif resubmitted:
                flash(_("单位已重新提交审核。"), "info")
            return redirect(url_for("enterprises.detail", enterprise_id=enterprise.id))
    return render_template("enterprises/edit.html", form=form, enterprise=enterprise)


@bp.get("/review")
@organizer_required
def review():
    """Organizers' queue: unverified enterprises, near-duplicates first; below, those that
    wait for their members (rejected, asked for more)."""
    pending = db.session.execute(services.review_queue_statement()).scalars().all()
    waiting = db.session.execute(services.waiting_for_members_statement()).scalars().all()
    flagged = sum(1 for e in pending if e.possible_duplicate_of_id is not None)
    return render_template(
        "enterprises/review.html",
        pending=pending,
        waiting=waiting,
        flagged=flagged,
        verify_form=VerifyForm(),
    )


@bp.post("/<int:enterprise_id>/verify")
@organizer_required
def verify(enterprise_id: int):
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    services.verify_enterprise(enterprise, current_user)
    flash(_("已通过审核：%(name)s", name=enterprise.name), "success")
    return redirect(request.referrer if _same_site_referrer() else url_for("enterprises.review"))


@bp.route("/<int:enterprise_id>/decision", methods=["GET", "POST"])
@organizer_required
def decision(enterprise_id: int):
    """Reject with a reason or ask for more: the members read it on the profile and by mail."""
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    form = ReviewDecisionForm()
    status = 200
    if form.validate_on_submit():
        decide = (
            services.reject_enterprise
            if form.decision.data == "reject"
            else services.request_information
        )
        with service_errors(form):
            decide(enterprise, current_user, form.note.data)
            flash(_("已将审核意见发给 %(name)s 的成员。", name=enterprise.name), "success")
            return redirect(url_for("enterprises.review"))
    if form.is_submitted():
        status = 422
    return render_template(
        "enterprises/decision.html", enterprise=enterprise, form=form, verify_form=VerifyForm()
    ), status


@bp.get("/<int:enterprise_id>/compare/<int:other_id>")
@organizer_required
def compare(enterprise_id: int, other_id: int):
    """The flagged enterprise beside the one it nearly repeats, with the merge form."""
    return _compare_page(enterprise_id, other_id, MergeForm())


@bp.post("/<int:enterprise_id>/merge-into/<int:other_id>")
@organizer_required
def merge_into(enterprise_id: int, other_id: int):
    """Merge ``enterprise_id`` (the duplicate) into ``other_id`` (the original)."""
    duplicate = db.get_or_404(Enterprise, enterprise_id)
    original = db.get_or_404(Enterprise, other_id)
    form = MergeForm()
    if form.validate_on_submit():
        name = duplicate.name

        def run():
            same = form.same_enterprise.data
            merge.merge_enterprises(duplicate, original, current_user, confirmed=same)

        with service_errors(form):
            page = confirm_first(
                run,
                title=_("合并到原单位"),
                question=_merge_question(duplicate, original),
                button=_("确认合并"),
                back=url_for("enterprises.compare", enterprise_id=enterprise_id, other_id=other_id),
            )
            if page is not None:
                return page
            run()
            flash(_("已将 %(dup)s 合并到 %(name)s。", dup=name, name=original.name), "success")
            return redirect(url_for("enterprises.detail", enterprise_id=original.id))
    return _compare_page(enterprise_id, other_id, form, status=422)


def _merge_question(duplicate: Enterprise, original: Enterprise) -> str:
    """What the merge's second step asks (the page's dialog and the page without JavaScript)."""
    return _(
        "%(dup)s 的成员、需求与能力等将全部转到 %(name)s，%(dup)s 随后删除，不能撤销。确定合并吗？",
        dup=duplicate.name,
        name=original.name,
    )


def _compare_page(enterprise_id: int, other_id: int, form: MergeForm, status: int = 200):
    duplicate = db.get_or_404(Enterprise, enterprise_id)
    original = db.get_or_404(Enterprise, other_id)
    if duplicate.id == original.id:
        abort(404)
    return render_template(
        "enterprises/compare.html",
        duplicate=duplicate,
        original=original,
        facts={e.id: services.comparison_facts(e) for e in (duplicate, original)},
        needs_confirmation=merge.needs_confirmation(duplicate, original),
        question=_merge_question(duplicate, original),
        form=form,
    ), status


@bp.post("/<int:enterprise_id>/unverify")
@organizer_required
def unverify(enterprise_id: int):
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    services.unverify_enterprise(enterprise, current_user)
    flash(_("已撤销审核：%(name)s", name=enterprise.name), "info")
    return redirect(url_for("enterprises.detail", enterprise_id=enterprise.id))


@bp.get("/<int:enterprise_id>/members")
@login_required
def members(enterprise_id: int):
    """The members; fellow members and organizers also see emails and requests to join."""
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    insider = current_user.is_organizer or current_user.enterprise_id == enterprise.id
    if not enterprise.verified and not insider:
        abort(404)
    return render_template(
        "enterprises/members.html",
        enterprise=enterprise,
        members=services.members(enterprise),
        insider=insider,
        pending=services.pending_join_requests(enterprise) if insider else [],
    )


def _join_request_for_decision(request_id: int) -> JoinRequest:
    join_request = db.get_or_404(JoinRequest, request_id)
    if not services.may_decide(current_user, join_request):
        abort(403)
    return join_request


@bp.post("/join-requests/<int:request_id>/approve")
@login_required
def approve_join_request(request_id: int):
    join_request = _join_request_for_decision(request_id)
    _decide(join_request, services.approve_join_request)
    return redirect(url_for("enterprises.members", enterprise_id=join_request.enterprise_id))


@bp.post("/join-requests/<int:request_id>/decline")
@login_required
def decline_join_request(request_id: int):
    join_request = _join_request_for_decision(request_id)
    _decide(join_request, services.decline_join_request)
    return redirect(url_for("enterprises.members", enterprise_id=join_request.enterprise_id))


def _decide(join_request: JoinRequest, decision) -> None:
    name = join_request.user.name or join_request.user.email
    with service_errors():
        decision(join_request, current_user)
        if join_request.status == "approved":
            flash(_("已批准 %(name)s 加入本单位。", name=name), "success")
        else:
            flash(_("已拒绝 %(name)s 的加入申请。", name=name), "info")


@bp.post("/join-requests/<int:request_id>/cancel")
@login_required
def cancel_join_request(request_id: int):
    """The requester withdraws their request; nobody else may."""
    join_request = db.get_or_404(JoinRequest, request_id)
    if join_request.user_id != current_user.id:
        abort(403)
    with service_errors():
        services.cancel_join_request(join_request, current_user)
        flash(_("加入申请已撤回。"), "info")
    return redirect(url_for("accounts.profile"))


def _same_site_referrer() -> bool:
    from ..core.web import is_safe_url

    return is_safe_url(request.referrer)
