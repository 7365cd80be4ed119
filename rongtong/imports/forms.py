"""The upload form of the import page, and the export form."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField, SelectChoice, SelectField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from ..core.forms import Form
from .services import FORMATS

#: Default upload cap; ``IMPORT_MAX_BYTES`` in the config overrides it.
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def file_size_limit(form, field):
    limit = current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    stream = field.data.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > limit:
        raise ValidationError(_l("文件不能超过 %(mb).1f MB。", mb=limit / 1024 / 1024))
    if size == 0:
        raise ValidationError(_l("文件是空的。"))


class ImportForm(Form):
    target = RadioField(
        _l("导入内容"),
        choices=[
            SelectChoice("enterprises", _l("单位")),
            SelectChoice("listings", _l("发榜需求与能力")),
        ],
        default="enterprises",
        validators=[InputRequired(_l("请选择导入内容。"))],
    )
    file = FileField(
        _l("文件"),
        description=_l("支持 .jsonl、.csv（UTF-8）和 .xlsx（第一个工作表，首行为列名）。"),
        validators=[
            FileRequired(_l("请选择要上传的文件。")),
            FileAllowed(FORMATS, _l("只接受 .jsonl、.csv 或 .xlsx 文件。")),
            file_size_limit,
        ],
    )
    check = SubmitField(_l("预检（不写入）"))
    submit = SubmitField(_l("导入"))


class ExportForm(Form):
    """GET form: no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    format = SelectField(
        _l("格式"), choices=[SelectChoice("csv", "CSV"), SelectChoice("xlsx", "Excel (.xlsx)")]
    )
    kind = SelectField(
        _l("类型"),
        choices=[
            SelectChoice("", _l("全部")),
            SelectChoice("challenge", _l("发榜需求")),
            SelectChoice("capability", _l("能力供给")),
        ],
    )
    status = SelectField(
        _l("状态"),
        choices=[
            SelectChoice("published", _l("发布中")),
            SelectChoice("closed", _l("已关闭")),
            SelectChoice("expired", _l("已过期")),
            SelectChoice("awarded", _l("已揭榜")),
            SelectChoice("all", _l("全部公开条目")),
        ],
    )
