from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    MultipleFileField,
    SelectChoice,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..core.forms import TOO_LONG, Form
from .services import DECLINE_REASONS, REASON_LABELS

MONEY = NumberRange(min=0, max=10**12, message=_l("请输入 0 到 1 万亿之间的整数（元）。"))


class ProposalForm(Form):
    """Drafts may be incomplete; submitting checks completeness (in the service)."""

    summary = TextAreaField(
        _l("方案摘要"),
        description=_l("发榜单位先看到这一段；不超过 500 字。"),
        validators=[Length(max=500, message=TOO_LONG)],
    )
    approach = TextAreaField(
        _l("技术路线与实施方案"), validators=[Length(max=20000, message=TOO_LONG)]
    )
    team = TextAreaField(
        _l("团队"),
        description=_l("成员、分工与资质。"),
        validators=[Length(max=5000, message=TOO_LONG)],
    )
    timeline = TextAreaField(
        _l("进度安排"),
        description=_l("里程碑与周期，例如：第 1–2 月完成样机。"),
        validators=[Length(max=5000, message=TOO_LONG)],
    )
    quote = IntegerField(_l("报价（元）"), validators=[Optional(), MONEY])
    attachments = MultipleFileField(
        _l("附件"),
        description=_l("PDF、DOCX、XLSX、PNG 或 JPEG，单个文件不超过上限；按内容校验类型。"),
    )
    accept_terms = BooleanField(_l("我已阅读并接受本榜单的保密条款"))
    save = SubmitField(_l("保存草稿"))
    submit = SubmitField(_l("提交方案"))


class TermsForm(Form):
    accept = BooleanField(
        _l("我代表本单位接受上述保密条款"),
        validators=[DataRequired(_l("请勾选以接受保密条款。"))],
    )
    submit = SubmitField(_l("接受并查看保密信息"))


class DeclineForm(Form):
    reason = SelectField(
        _l("未采纳原因"),
        choices=[SelectChoice(code, REASON_LABELS[code]) for code in DECLINE_REASONS],
        validators=[DataRequired(_l("请选择未采纳的原因。"))],
    )
    note = TextAreaField(
        _l("说明"),
        description=_l("揭榜方会看到这段说明。"),
        validators=[
            DataRequired(_l("请写明未采纳的具体说明。")),
            Length(max=5000, message=TOO_LONG),
        ],
    )
    submit = SubmitField(_l("不予采纳"))


class AcceptForm(Form):
    amount = IntegerField(
        _l("成交金额（元）"),
        description=_l("留空则按报价计。"),
        validators=[Optional(), MONEY],
    )
    award = BooleanField(_l("同时揭榜定标（榜单状态改为已揭榜，计入对接成效）"))
    submit = SubmitField(_l("接受方案"))


class MessageForm(Form):
    body = TextAreaField(
        _l("留言"),
        validators=[DataRequired(_l("请填写内容。")), Length(max=5000, message=TOO_LONG)],
    )
    submit = SubmitField(_l("发送"))


class ReviewerForm(Form):
    user_id = SelectField(_l("组织方人员"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("设为评审人"))


class ActionForm(Form):
    """A button with a CSRF token."""

    submit = SubmitField()
