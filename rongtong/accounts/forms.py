from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ..core.forms import TOO_LONG, Form, TaxonomySelect, wrap
from ..core.validators import validate_credit_code
from ..enterprises.forms import JOIN_MESSAGE

PASSWORD_LENGTH = Length(min=10, max=128, message=_l("密码长度应为 10–128 位。"))


def _email_field() -> EmailField:
    """An e-mail address to register or to send a reset link to (well-formed, at most 254)."""
    return EmailField(
        _l("邮箱"),
        validators=[
            DataRequired(_l("请填写邮箱。")),
            Email(message=_l("邮箱格式不正确。"), check_deliverability=False),
            Length(max=254, message=TOO_LONG),
        ],
    )


class LoginForm(Form):
    email = EmailField(
        _l("邮箱"), validators=[DataRequired(_l("请填写邮箱。")), Length(max=254, message=TOO_LONG)]
    )
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码。"))])
    remember = BooleanField(_l("记住我"))
    submit = SubmitField(_l("登录"))


class RegisterForm(Form):
    email = _email_field()
    name = StringField(
        _l("姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=80, message=TOO_LONG)]
    )
    password = PasswordField(
        _l("密码"), validators=[DataRequired(_l("请设置密码。")), PASSWORD_LENGTH]
    )
    confirm = PasswordField(
        _l("确认密码"), validators=[EqualTo("password", message=_l("两次输入的密码不一致。"))]
    )
    enterprise_name = StringField(
        _l("单位名称"),
        validators=[DataRequired(_l("请填写单位名称。")), Length(max=120, message=TOO_LONG)],
    )
    credit_code = StringField(
        _l("统一社会信用代码"),
        description=_l("18 位，例如 91440300708461136T；全角字符会自动转换。"),
        validators=[DataRequired(_l("请填写统一社会信用代码。")), wrap(validate_credit_code)],
    )
    kind = TaxonomySelect(_l("单位类型"), validators=[DataRequired(_l("请选择单位类型。"))])
    district = TaxonomySelect(_l("所在区"), validators=[DataRequired(_l("请选择所在区。"))])
    #: Shown once the credit code turns out to be registered: ask that enterprise instead.
    join = BooleanField(_l("申请加入该单位"))
    join_message = TextAreaField(
        _l("给该单位同事的留言"),
        description=_l("选填，例如您的部门与职务，便于同事确认。"),
        validators=[JOIN_MESSAGE],
    )
    submit = SubmitField(_l("注册"))


class NewPasswordForm(Form):
    """A new password, typed twice: changing it and resetting it by mail."""

    password = PasswordField(
        _l("新密码"), validators=[DataRequired(_l("请设置新密码。")), PASSWORD_LENGTH]
    )
    confirm = PasswordField(
        _l("确认新密码"), validators=[EqualTo("password", message=_l("两次输入的密码不一致。"))]
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请填写当前密码。"))])
    submit = SubmitField(_l("修改密码"))


class ForgotPasswordForm(Form):
    email = _email_field()
    submit = SubmitField(_l("发送重置链接"))


class ResetPasswordForm(NewPasswordForm):
    submit = SubmitField(_l("设置新密码"))


class TokenForm(Form):
    name = StringField(
        _l("令牌用途"),
        validators=[DataRequired(_l("请填写令牌用途。")), Length(max=80, message=TOO_LONG)],
    )
    submit = SubmitField(_l("生成令牌"))


class LocaleForm(Form):
    submit = SubmitField(_l("切换"))
