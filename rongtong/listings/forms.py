from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.forms import TOO_LONG, Form, TaxonomySelect

MONEY = NumberRange(min=0, max=10**12, message=_l("请输入 0 到 1 万亿之间的整数（元）。"))


class ListingForm(Form):
    kind = SelectField(
        _l("类型"),
        choices=[
            SelectChoice("challenge", _l("发榜需求")),
            SelectChoice("capability", _l("能力供给")),
        ],
        validators=[InputRequired(_l("请选择类型。"))],
    )
    category = TaxonomySelect(_l("对接类别"), validators=[DataRequired(_l("请选择对接类别。"))])
    chain = TaxonomySelect(_l("产业链"), validators=[DataRequired(_l("请选择产业链。"))])
    title = StringField(
        _l("标题"),
        validators=[
            DataRequired(_l("请填写标题。")),
            Length(max=120, message=_l("标题不超过 120 字。")),
        ],
    )
    summary = TextAreaField(
        _l("公开摘要"),
        description=_l("所有访客可见。"),
        validators=[
            DataRequired(_l("请填写摘要。")),
            Length(max=500, message=_l("摘要不超过 500 字。")),
        ],
    )
    description = TextAreaField(
        _l("详细说明"), validators=[Length(max=20000, message=_l("详细说明不超过 20000 字。"))]
    )
    confidential = TextAreaField(
        _l("保密信息"),
        description=_l(
            "发榜需求：仅对接受保密条款的揭榜单位可见，每次查看都有记录；"
            "能力：仅已审核单位的成员可见。"
        ),
        validators=[Length(max=20000, message=_l("保密信息不超过 20000 字。"))],
    )
    keywords = StringField(
        _l("关键词"),
        description=_l("用逗号或顿号分隔，例如：激光焊接、电池托盘"),
        validators=[Length(max=500, message=_l("关键词合计不超过 500 字。"))],
    )
    budget_min = IntegerField(_l("预算下限（元）"), validators=[Optional(), MONEY])
    budget_max = IntegerField(_l("预算上限（元）"), validators=[Optional(), MONEY])
    deadline = DateField(
        _l("截止日期"), validators=[Optional()], render_kw={"placeholder": "2027-06-30"}
    )
    save = SubmitField(_l("保存草稿"))
    publish = SubmitField(_l("保存并发布"))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if (
            self.budget_min.data is not None
            and self.budget_max.data is not None
            and self.budget_min.data > self.budget_max.data
        ):
            self.budget_min.errors.append(_l("预算下限不能高于上限。"))
            ok = False
        return ok


class ReasonForm(Form):
    reason = TextAreaField(
        _l("下架原因"),
        validators=[DataRequired(_l("请填写下架原因。")), Length(max=500, message=TOO_LONG)],
    )
    submit = SubmitField(_l("下架"))


class RenewForm(Form):
    deadline = DateField(_l("新的截止日期"), validators=[DataRequired(_l("请填写新的截止日期。"))])
    submit = SubmitField(_l("续期并重新发布"))


class ActionForm(Form):
    """A button with a CSRF token (publish, close)."""

    submit = SubmitField()
