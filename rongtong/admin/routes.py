"""Admin pages: taxonomies (data, not code), users' roles, and what the matcher learned."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import User
from ..audit import services as audit
from ..core.auth import admin_required
from ..core.params import page_arg
from ..extensions import db
from ..taxonomy.models import VOCABULARIES
from .forms import RoleForm, TermForm

#: What an admin edits on a term, and what the audit log keeps of it.
TERM_FIELDS = ("code", "label_zh", "label_en", "position", "active")

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


def _model(vocabulary: str):
    model = VOCABULARIES.get(vocabulary)
    if model is None:
        abort(404)
    return model


@bp.get("/taxonomies")
@admin_required
def taxonomies():
    terms = {
        name: db.session.execute(db.select(model).order_by(model.position)).scalars().all()
        for name, model in VOCABULARIES.items()
    }
    return render_template("admin/taxonomies.html", terms=terms)


@bp.route("/taxonomies/<vocabulary>/new", methods=["GET", "POST"])
@bp.route("/taxonomies/<vocabulary>/<int:term_id>", methods=["GET", "POST"])
@admin_required
def edit_term(vocabulary: str, term_id: int | None = None):
    model = _model(vocabulary)
    term = db.get_or_404(model, term_id) if term_id else model()
    form = TermForm(obj=term)
    if form.validate_on_submit():
        clash = db.session.execute(
            db.select(model).where(model.code == form.code.data, model.id != (term.id or -1))
        ).scalar_one_or_none()
        if clash is not None:
            form.code.errors.append(_("代码已存在。"))
        else:
            with audit.tracked(current_user, "taxonomy.edit", term, TERM_FIELDS):
                form.populate_obj(term)
                db.session.add(term)
            flash(_("已保存。"), "success")
            return redirect(url_for("admin.taxonomies"))
    return render_template("admin/term.html", form=form, vocabulary=vocabulary, term=term)


@bp.get("/users")
@admin_required
def users():
    page = db.paginate(
        db.select(User).order_by(User.created_at.desc()),
        page=page_arg(),
        per_page=50,
        error_out=False,
    )
    return render_template("admin/users.html", page=page, role_form=RoleForm())


@bp.post("/users/<int:user_id>/role")
@admin_required
def set_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        if user.id == current_user.id and form.role.data != "admin":
            flash(_("不能撤销自己的管理员角色。"), "error")
        else:
            audit.record(
                current_user, "user.role", user, {"role": user.role}, {"role": form.role.data}
            )
            user.role = form.role.data
            flash(_("角色已修改。"), "success")
    return redirect(url_for("admin.users"))


@bp.get("/matcher")
@admin_required
def matcher():
    """The matcher's blend: its weights, its figures on the judged sets, the last training."""
    from ..matches import learning

    return render_template(
        "admin/matcher.html",
        overview=learning.overview(),
        run_results=learning.RUN_RESULTS,
        source_labels=learning.SOURCE_LABELS,
        set_labels=learning.SET_LABELS,
    )
