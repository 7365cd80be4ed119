from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from ..core.forms import select_choices
from ..core.services import ServiceError
from ..core.web import begin_writes, is_safe_url, reads_first, service_errors
from ..enterprises import services as enterprise_services
from ..enterprises.forms import JoinForm
from ..extensions import db, limiter
from ..taxonomy.models import District, EnterpriseKind
from . import services
from .forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LocaleForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    TokenForm,
)
from .models import ApiToken

bp = Blueprint("accounts", __name__, template_folder="templates")


def _account_key() -> str:
    return "login-account:" + services.normalize_email(request.form.get("email", ""))


def _account_ip_key() -> str:
    # Failures from one address lock that address out of the account, not the owner
    # elsewhere; the slower per-account limit above still caps a distributed guess.
    return f"{_account_key()}:{get_remote_address()}"


def _failed(response) -> bool:
    """Count only attempts that did not log in."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_IP"], methods=["POST"], deduct_when=_failed
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_ACCOUNT_IP"],
    key_func=_account_ip_key,
    methods=["POST"],
    deduct_when=_failed,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
@reads_first
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        begin_writes()  # the password check is done: it held no write lock
        if user is None:
            form.password.errors.append(_("邮箱或密码不正确。"))
        else:
            services.record_login(user)
            session.clear()
            login_user(user, remember=form.remember.data)
            target = request.args.get("next")
            return redirect(target if is_safe_url(target) else url_for("main.home"))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # The session lives in a signed cookie: a copy saved before logout would still be
    # accepted, so the server ends the session version it carries.
    services.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("main.home"))


def _reset_email_key() -> str:
    return "password-reset-email:" + services.normalize_email(request.form.get("email", ""))


def _reset_email_ip_key() -> str:
    return f"{_reset_email_key()}:{get_remote_address()}"


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_REQUEST_RATE_LIMIT_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["RESET_REQUEST_RATE_LIMIT_EMAIL_IP"],
    key_func=_reset_email_ip_key,
    methods=["POST"],
)
@limiter.limit(
    lambda: current_app.config["RESET_REQUEST_RATE_LIMIT_EMAIL"],
    key_func=_reset_email_key,
    methods=["POST"],
)
def forgot_password():
    """Ask for a reset link; the answer is the same whether the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(_("如果该邮箱已注册，重置密码的链接已发往该邮箱，请查收。"), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password from a mailed link; ends every session of the account."""
    try:
        user = services.user_for_password_reset_token(token)
    except ServiceError as exc:
        return render_template("accounts/reset_password.html", error=exc.message), exc.status
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.change_password(user, form.password.data)
        # Whoever was logged in on this browser (perhaps someone else) is logged out too.
        logout_user()
        session.clear()
        flash(_("密码已重置，请用新密码登录。"), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form, user=user)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    form.kind.choices = select_choices(EnterpriseKind, blank=_("请选择"))
    form.district.choices = select_choices(District, blank=_("请选择"))
    # The choice to join instead appears once the credit code turns out to be taken.
    show_join = bool(form.join.data)
    if form.validate_on_submit():
        existing = enterprise_services.find_by_credit_code(form.credit_code.data)
        if services.email_taken(form.email.data):
            # Say nothing here about whether the address has an account: its owner is
            # told by mail instead (login and the reset request reveal nothing either).
            services.notify_registration_attempt(form.email.data)
            flash(
                _(
                    "我们已向 %(email)s 发送了一封邮件，请查收并按邮件提示继续。",
                    email=form.email.data,
                ),
                "info",
            )
            return redirect(url_for("accounts.login"))
        if existing is not None and not form.join.data:
            form.credit_code.errors.append(
                _(
                    "该统一社会信用代码已注册。如果您是该单位的员工，请勾选下方“申请加入该单位”，"
                    "重新输入密码后再提交；该单位已注册的同事批准后您即加入。"
                )
            )
            show_join = True
        elif existing is not None:
            return _register_and_request_to_join(form, existing)
        else:
            with service_errors():
                enterprise = enterprise_services.create_enterprise(
                    {
                        "name": form.enterprise_name.data.strip(),
                        "credit_code": form.credit_code.data,
                        "kind": db.session.execute(
                            db.select(EnterpriseKind).filter_by(code=form.kind.data)
                        ).scalar_one(),
                        "district": db.session.execute(
                            db.select(District).filter_by(code=form.district.data)
                        ).scalar_one(),
                    }
                )
                user = services.create_user(
                    form.email.data,
                    form.password.data,
                    name=form.name.data.strip(),
                    enterprise=enterprise,
                    locale=str(session.get("lang") or "zh"),
                )
                session.clear()
                login_user(user)
                flash(_("注册成功。请完善单位资料；平台审核通过后即可发布。"), "success")
                return redirect(url_for("enterprises.edit", enterprise_id=enterprise.id))
    return render_template("accounts/register.html", form=form, show_join=show_join)


def _register_and_request_to_join(form: RegisterForm, enterprise):
    """An account without an enterprise, and its request to join ``enterprise``."""
    user = services.create_user(
        form.email.data,
        form.password.data,
        name=form.name.data.strip(),
        enterprise=None,
        locale=str(session.get("lang") or "zh"),
    )
    enterprise_services.request_to_join(user, enterprise, form.join_message.data or "")
    session.clear()
    login_user(user)
    flash(_("账号已创建，加入申请已发给该单位的成员；获批前您可以浏览平台。"), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    password_form = ChangePasswordForm(prefix="pw")
    token_form = TokenForm(prefix="tok")
    new_token = None
    if password_form.submit.data and password_form.validate_on_submit():
        if not services.check_password(current_user, password_form.current.data):
            password_form.current.errors.append(_("当前密码不正确。"))
        else:
            services.change_password(current_user, password_form.password.data)
            login_user(current_user._get_current_object())
            flash(_("密码已修改，其他设备上的登录已失效。"), "success")
            return redirect(url_for("accounts.profile"))
    elif token_form.submit.data and token_form.validate_on_submit():
        _token, new_token = services.create_api_token(current_user, token_form.name.data)
        token_form = TokenForm(prefix="tok", formdata=None)
    return _profile_page(password_form=password_form, token_form=token_form, new_token=new_token)


def _profile_page(*, password_form=None, token_form=None, join_form=None, new_token=None):
    """The account page; a user without an enterprise also sees their request to join one."""
    tokens = db.session.execute(
        db.select(ApiToken)
        .where(ApiToken.user_id == current_user.id)
        .order_by(ApiToken.created_at.desc())
    ).scalars()
    if password_form is None:
        password_form = ChangePasswordForm(prefix="pw", formdata=None)
    if token_form is None:
        token_form = TokenForm(prefix="tok", formdata=None)
    join_request = None
    if current_user.enterprise_id is None and not current_user.is_organizer:
        join_request = enterprise_services.latest_join_request(current_user)
        if join_form is None and (join_request is None or not join_request.pending):
            join_form = JoinForm(prefix="join", formdata=None)
    return render_template(
        "accounts/profile.html",
        password_form=password_form,
        token_form=token_form,
        tokens=tokens,
        new_token=new_token,
        revoke_form=LocaleForm(),
        join_request=join_request,
        join_form=join_form,
    )


@bp.post("/account/join")
@login_required
@limiter.limit("10 per hour")
def join():
    """Ask to join an existing enterprise by its credit code (users without one)."""
    if current_user.enterprise_id is not None or current_user.is_organizer:
        abort(403)
    form = JoinForm(prefix="join")
    if form.validate_on_submit():
        enterprise = enterprise_services.find_by_credit_code(form.credit_code.data)
        if enterprise is None:
            form.credit_code.errors.append(
                _("没有使用该统一社会信用代码的单位；请核对，或联系平台管理员。")
            )
        else:
            with service_errors(form, field="credit_code"):
                enterprise_services.request_to_join(
                    current_user, enterprise, form.message.data or ""
                )
                flash(
                    _("加入申请已发给 %(name)s 的成员，获批后您会收到邮件。", name=enterprise.name),
                    "success",
                )
                return redirect(url_for("accounts.profile"))
    return _profile_page(join_form=form)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    services.revoke_api_token(token)
    flash(_("令牌已撤销。"), "info")
    return redirect(url_for("accounts.profile"))


@bp.post("/language/<code>")
def set_language(code: str):
    """Switch the interface language; remembered for the session and the user."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
    target = request.form.get("next")
    return redirect(target if is_safe_url(target) else url_for("main.home"))
