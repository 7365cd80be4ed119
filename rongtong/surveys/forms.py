from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from ..core.forms import Form


class SurveyForm(Form):
    held = RadioField(
        _l("这次洽谈进行了吗？"),
        choices=[SelectChoice("yes", _l("进行了")), SelectChoice("no", _l("没有进行"))],
        validators=[InputRequired(_l("请选择洽谈是否进行。"))],
    )
    useful = RadioField(
        _l("洽谈对贵单位有帮助吗？"),
        choices=[SelectChoice("yes", _l("有帮助")), SelectChoice("no", _l("帮助不大"))],
        validate_choice=False,
    )
    next_step = RadioField(
        _l("下一步进展"),
        choices=[
            SelectChoice("none", _l("暂无后续")),
            SelectChoice("negotiation", _l("已开始商谈合作")),
            SelectChoice("agreement", _l("已达成合作协议")),
        ],
        validators=[InputRequired(_l("请选择下一步进展。"))],
    )
