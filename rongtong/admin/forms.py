from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Regexp

from ..accounts.models import ROLES
from ..core.forms import TOO_LONG, Form
from ..core.labels import LABELS
from ..taxonomy.models import parse_aliases


class TermForm(Form):
    code = StringField(
        _l("代码"),
        validators=[
            DataRequired(_l("请填写代码。")),
            Length(max=40, message=TOO_LONG),
            Regexp(r"^[a-z0-9_\-]+$", message=_l("代码只能包含小写字母、数字、下划线和连字符。")),
        ],
    )
    label_zh = StringField(
        _l("中文名称"),
        validators=[DataRequired(_l("请填写中文名称。")), Length(max=80, message=TOO_LONG)],
    )
    label_en = StringField(
        _l("英文名称"),
        validators=[DataRequired(_l("请填写英文名称。")), Length(max=120, message=TOO_LONG)],
    )
    aliases = TextAreaField(
        _l("别名"),
        description=_l("导入表格时也认作此项的写法，每行一个（如“黄埔”“广州市黄埔区”）。"),
        filters=[lambda text: "\n".join(parse_aliases(text))],
        validators=[Length(max=4000, message=TOO_LONG)],
    )
    position = IntegerField(_l("排序"), default=0, validators=[NumberRange(min=0, max=10000)])
    active = BooleanField(_l("启用"), default=True)
    submit = SubmitField(_l("保存"))


class RoleForm(Form):
    role = SelectField(_l("角色"), choices=[SelectChoice(r, LABELS["role"][r]) for r in ROLES])
    submit = SubmitField(_l("修改角色"))
