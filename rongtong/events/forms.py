from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.forms import TOO_LONG, Form, TaxonomySelect
from .meetings import OUTCOME_STAGES

MONEY = NumberRange(min=0, max=10**12, message=_l("请输入 0 到 1 万亿之间的整数（元）。"))
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class ActionForm(Form):
    """Only the CSRF token: buttons that post."""


class EventForm(Form):
    title = StringField(
        _l("活动名称"),
        validators=[DataRequired(_l("请填写活动名称。")), Length(max=160, message=TOO_LONG)],
    )
    kind = SelectField(
        _l("活动类型"),
        choices=[
            SelectChoice("roadshow", _l("一月一链路演")),
            SelectChoice("matchmaking", _l("专项供需对接")),
        ],
        validators=[InputRequired(_l("请选择活动类型。"))],
    )
    chain = TaxonomySelect(_l("产业链"), description=_l("路演必填；专项对接可选。"))
    theme = TaxonomySelect(_l("对接主题（类别）"), description=_l("专项对接必填。"))
    starts_at = DateTimeLocalField(
        _l("开始时间"), format=DT_FORMATS, validators=[DataRequired(_l("请填写开始时间。"))]
    )
    ends_at = DateTimeLocalField(
        _l("结束时间"), format=DT_FORMATS, validators=[DataRequired(_l("请填写结束时间。"))]
    )
    registration_opens_at = DateTimeLocalField(
        _l("报名开放时间"),
        format=DT_FORMATS,
        validators=[Optional()],
        description=_l("到时自动开放报名；留空则由主办方手动开放。"),
    )
    registration_closes_at = DateTimeLocalField(
        _l("报名截止时间"),
        format=DT_FORMATS,
        validators=[Optional()],
        description=_l("留空则在活动开始时截止。"),
    )
    timezone = StringField(_l("时区"), default="Asia/Shanghai", validators=[Length(max=40)])
    venue = StringField(_l("地点"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    online_url = StringField(
        _l("线上链接"), validators=[Optional(), Length(max=255, message=TOO_LONG)]
    )
    capacity = IntegerField(
        _l("名额"), default=0, description=_l("0 表示不限。"),
        validators=[InputRequired(_l("请填写名额。")), NumberRange(min=0, max=100_000)],
    )  # fmt: skip
    budget = IntegerField(
        _l("预算（元）"), default=0, validators=[InputRequired(_l("请填写预算。")), MONEY]
    )
    organiser = StringField(_l("承办单位"), validators=[Length(max=120, message=TOO_LONG)])
    description = TextAreaField(_l("活动介绍"), validators=[Length(max=20_000, message=TOO_LONG)])
    requires_approval = BooleanField(_l("报名需审核"))
    slot_minutes = IntegerField(
        _l("洽谈时段（分钟）"), default=20, validators=[NumberRange(min=5, max=240)]
    )
    break_minutes = IntegerField(
        _l("时段间隔（分钟）"), default=5, validators=[NumberRange(min=0, max=120)]
    )
    meetings_per_person = IntegerField(
        _l("每家最多洽谈场数"), default=6, validators=[NumberRange(min=0, max=48)]
    )
    request_ttl_hours = IntegerField(
        _l("洽谈邀约有效期（小时）"), default=48, validators=[NumberRange(min=1, max=24 * 60)]
    )


class RegisterForm(Form):
    listings = SelectMultipleField(_l("带上的条目"), coerce=int, validate_choice=True)
    note = StringField(_l("备注"), validators=[Optional(), Length(max=500, message=TOO_LONG)])
    directory_visible = BooleanField(_l("在本活动的参会名录中列出本单位，供其他参会单位发起洽谈"))


class SettingsForm(Form):
    roadshow_budget_cap = IntegerField(_l("一月一链路演年度预算上限（元）"), validators=[MONEY])
    matchmaking_budget_cap = IntegerField(_l("专项供需对接年度预算上限（元）"), validators=[MONEY])
    matchmaking_target = IntegerField(
        _l("专项供需对接年度场次目标"), validators=[NumberRange(min=0, max=1000)]
    )
    roadshow_target = IntegerField(
        _l("路演年度场次目标"), validators=[NumberRange(min=0, max=1000)]
    )


class SlotsForm(Form):
    first_start = DateTimeLocalField(
        _l("第一个时段开始"), format=DT_FORMATS, validators=[DataRequired(_l("请填写时间。"))]
    )
    n_slots = IntegerField(_l("时段数"), default=12, validators=[NumberRange(min=1, max=48)])
    n_tables = IntegerField(_l("桌位数"), default=20, validators=[NumberRange(min=1, max=500)])


class RequestForm(Form):
    recipient_id = IntegerField(_l("对方"), validators=[InputRequired()])
    message = StringField(_l("留言"), validators=[Optional(), Length(max=500, message=TOO_LONG)])


class CutoffForm(Form):
    good_score = FloatField(
        _l("推荐洽谈的分数线"),
        validators=[InputRequired(), NumberRange(min=0, max=1, message=_l("须在 0 到 1 之间。"))],
    )


class CheckinForm(Form):
    code = StringField(
        _l("签到码"), validators=[DataRequired(_l("请输入签到码。")), Length(max=12)]
    )


class StatusForm(Form):
    status = StringField(_l("状态"), validators=[DataRequired()])
    reason = StringField(_l("原因"), validators=[Optional(), Length(max=500, message=TOO_LONG)])


class MoveForm(Form):
    slot_id = SelectField(_l("时段"), coerce=int)
    table_id = SelectField(_l("桌位"), coerce=int)
    force = BooleanField(_l("确认覆盖（对方不可用或该时段已有洽谈）"))


class OutcomeForm(Form):
    attendance = SelectField(
        _l("洽谈是否进行"),
        choices=[SelectChoice("held", _l("已进行")), SelectChoice("no_show", _l("未到场"))],
    )
    stage = SelectField(
        _l("达成阶段"),
        choices=[
            SelectChoice(OUTCOME_STAGES[0], _l("仅洽谈")),
            SelectChoice(OUTCOME_STAGES[1], _l("对接（后续跟进）")),
            SelectChoice(OUTCOME_STAGES[2], _l("签订意向")),
            SelectChoice(OUTCOME_STAGES[3], _l("签约（合同/订单/投资）")),
        ],
    )
    follow_up = BooleanField(_l("约定后续跟进"))
    deal_type = SelectField(
        _l("签约类型"),
        choices=[
            SelectChoice("", _l("（无）")),
            SelectChoice("contract", _l("合同")),
            SelectChoice("order", _l("订单")),
            SelectChoice("investment", _l("投资")),
            SelectChoice("other", _l("其他")),
        ],
    )
    amount = IntegerField(_l("金额（元）"), validators=[Optional(), MONEY])
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000, message=TOO_LONG)])


class MessageForm(Form):
    """Bulk mail to an event's registrants (``messages.send_message``)."""

    audience = SelectField(_l("收件范围"), validators=[InputRequired(_l("请选择收件范围。"))])
    subject = StringField(
        _l("主题"),
        validators=[DataRequired(_l("请填写邮件主题。")), Length(max=120, message=TOO_LONG)],
    )
    body = TextAreaField(
        _l("正文"),
        validators=[DataRequired(_l("请填写邮件正文。")), Length(max=5000, message=TOO_LONG)],
    )
    promotional = BooleanField(
        _l("推广性质（如其他活动、项目推介）"),
        description=_l(
            "勾选后，已退订邮件摘要的成员不会收到；活动本身的通知（时间、地点、议程、变更）请勿勾选，所有收件人都会收到。"
        ),
    )
