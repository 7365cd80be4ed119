from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectChoice, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.forms import Form, TaxonomyMultiSelect


class PreferencesForm(Form):
    frequency = RadioField(
        _l("接收频率"),
        choices=[
            SelectChoice("weekly", _l("每周")),
            SelectChoice("monthly", _l("每月")),
            SelectChoice("off", _l("不接收")),
        ],
        validators=[InputRequired(_l("请选择接收频率。"))],
    )
    chains = TaxonomyMultiSelect(
        _l("关注的产业链"),
        description=_l("只收到这些产业链的匹配；都不选则不限。"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    min_score = IntegerField(
        _l("最低匹配度（%）"),
        description=_l("低于此匹配度的结果不放进摘要。"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100, message=_l("请填写 0 到 100 之间的整数。")),
        ],
    )
    submit = SubmitField(_l("保存"))
