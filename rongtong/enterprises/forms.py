from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from ..core.forms import TOO_LONG, Form, TaxonomyMultiSelect, TaxonomySelect, wrap
from ..core.validators import validate_credit_code, validate_mobile, validate_website


class EnterpriseForm(Form):
    name = StringField(
        _l("单位名称"),
        validators=[DataRequired(_l("请填写单位名称。")), Length(max=120, message=TOO_LONG)],
    )
    credit_code = StringField(
        _l("统一社会信用代码"),
        description=_l("18 位；全角字符会自动转换。"),
        validators=[DataRequired(_l("请填写统一社会信用代码。")), wrap(validate_credit_code)],
    )
    kind = TaxonomySelect(_l("单位类型"), validators=[DataRequired(_l("请选择单位类型。"))])
    tier = TaxonomySelect(_l("梯度培育层级"), validators=[Optional()])
    district = TaxonomySelect(_l("所在区"), validators=[DataRequired(_l("请选择所在区。"))])
    chains = TaxonomyMultiSelect(_l("所属产业链"), description=_l("可多选。"))
    description = TextAreaField(
        _l("单位简介"), validators=[Length(max=5000, message=_l("简介不超过 5000 字。"))]
    )
    website = StringField(
        _l("网站"),
        validators=[Optional(), Length(max=255, message=TOO_LONG), wrap(validate_website)],
    )
    contact_name = StringField(_l("联系人"), validators=[Length(max=80, message=TOO_LONG)])
    contact_email = EmailField(
        _l("联系邮箱"),
        validators=[
            Optional(),
            Email(message=_l("邮箱格式不正确。"), check_deliverability=False),
            Length(max=254, message=TOO_LONG),
        ],
    )
    contact_mobile = StringField(_l("联系手机"), validators=[Optional(), wrap(validate_mobile)])
    submit = SubmitField(_l("保存"))


class VerifyForm(Form):
    submit = SubmitField(_l("通过审核"))


class UnverifyForm(Form):
    submit = SubmitField(_l("撤销审核"))


class ReviewDecisionForm(Form):
    """Reject with a reason, or ask the members for more; both are mailed to them."""

    decision = RadioField(
        _l("审核意见"),
        choices=[
            SelectChoice("needs_info", _l("要求补充资料")),
            SelectChoice("reject", _l("驳回")),
        ],
        validators=[InputRequired(_l("请选择审核意见。"))],
    )
    note = TextAreaField(
        _l("原因或需要补充的内容"),
        description=_l("单位成员会在单位资料页和邮件中看到这段文字。"),
        validators=[
            DataRequired(_l("请填写原因或需要补充的内容。")),
            Length(max=2000, message=_l("不超过 2000 字。")),
        ],
    )
    submit = SubmitField(_l("提交审核意见"))


class MergeForm(Form):
    """Merge a duplicate into the original: one transaction, recorded in the audit log. The
    box is not named ``confirm``: that name carries the second step (core/confirm.py)."""

    same_enterprise = BooleanField(
        _l("我已核对：两家都已认证、信用代码不同，仍确认是同一家单位"),
        description=_l("合并两家已认证的单位前必须勾选。"),
    )
    submit = SubmitField(_l("合并到原单位"))


JOIN_MESSAGE = Length(max=500, message=TOO_LONG)


class JoinForm(Form):
    """A logged-in user without an enterprise asks to join one by its credit code."""

    credit_code = StringField(
        _l("统一社会信用代码"),
        description=_l("贵单位的 18 位代码；该单位的成员审批后您即加入。"),
        validators=[DataRequired(_l("请填写统一社会信用代码。")), wrap(validate_credit_code)],
    )
    message = TextAreaField(
        _l("给该单位同事的留言"),
        description=_l("选填，例如您的部门与职务，便于同事确认。"),
        validators=[JOIN_MESSAGE],
    )
    submit = SubmitField(_l("申请加入"))
