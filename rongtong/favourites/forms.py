from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from ..core.forms import TOO_LONG, Form


class ActionForm(Form):
    """Only the CSRF token: buttons that post."""


class SaveSearchForm(Form):
    name = StringField(
        _l("搜索名称"),
        validators=[DataRequired(_l("请为搜索起个名字。")), Length(max=80, message=TOO_LONG)],
    )
    q = HiddenField()
    kind = HiddenField()
    category = HiddenField()
    chain = HiddenField()
    district = HiddenField()
    tier = HiddenField()
