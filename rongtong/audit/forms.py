"""The audit log's filters (a GET form)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional, ValidationError

from ..core.forms import Form
from .services import ACTIONS, OBJECT_TYPES


class AuditFilterForm(Form):
    """GET form: no CSRF token (it changes nothing). Choices are set by the route."""

    class Meta:
        csrf = False

    actor = SelectField(_l("操作人"), validators=[Optional()], validate_choice=False)
    action = SelectField(_l("操作"), validators=[Optional()])
    object_type = SelectField(_l("对象类型"), validators=[Optional()])
    date_from = DateField(
        _l("起始日期"), validators=[Optional()], description=_l("北京时间，含当天。")
    )
    date_to = DateField(_l("截止日期"), validators=[Optional()], description=_l("含当天。"))

    def __init__(self, *args, actor_choices=(), admin: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor.choices = [SelectChoice("", _l("全部"))] + [
            SelectChoice(str(actor_id), label) for actor_id, label in actor_choices
        ]
        hidden = () if admin else ("user",)
        self.action.choices = [SelectChoice("", _l("全部"))] + [
            SelectChoice(code, label)
            for code, label in ACTIONS.items()
            if code.split(".", 1)[0] not in hidden
        ]
        self.object_type.choices = [SelectChoice("", _l("全部"))] + [
            SelectChoice(code, label) for code, label in OBJECT_TYPES.items() if code not in hidden
        ]
        for field in (self.date_from, self.date_to):
            field.render_kw = {"type": "date"}

    def validate_actor(self, field):
        if field.data and not field.data.isdigit():
            raise ValidationError(_l("请选择列表中的一项。"))

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("截止日期不能早于起始日期。"))
