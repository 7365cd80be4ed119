"""The field types and base schema every input schema shares (API and import).

Input schemas validate *and resolve*: taxonomy values (code or Chinese label) come out
as ORM rows, credit codes normalised, blank optional strings as ``""``. Services then
take the loaded dict as it is (``apply_profile``, ``apply_listing``).
"""

import math
import re
from datetime import UTC
from typing import ClassVar

from marshmallow import Schema, ValidationError, fields, validate

from . import validators as v
from .services import ServiceError, require_term

#: Separators between list items in a CSV/XLSX cell (and inside a keyword): , ， 、 ; ； newline.
LIST_SEPARATORS = re.compile(r"[,，、;；\n]")
MAX_TEXT = 20_000
MAX_BUDGET = 10**12


class BaseSchema(Schema):
    """Rejects unknown fields (marshmallow's default) and words its messages in Chinese."""

    error_messages: ClassVar[dict] = {"unknown": "未知字段。", "type": "应为 JSON 对象。"}
    MESSAGES: ClassVar[dict] = {"required": "此项为必填项。", "null": "此项不能为空。"}

    def on_bind_field(self, field_name, field_obj):
        field_obj.error_messages = {**field_obj.error_messages, **self.MESSAGES}
        super().on_bind_field(field_name, field_obj)


def plain_text(value: str, *, multiline: bool = False) -> str:
    """``value`` if ``validators.check_plain_text`` lets it through (no control or bidi
    characters; line breaks only when ``multiline``), else a marshmallow error saying why."""
    try:
        v.check_plain_text(value, multiline=multiline)
    except v.ValidationError as exc:
        raise ValidationError(str(exc.message)) from exc
    return value


class Text(fields.String):
    """A trimmed string of plain text; ``max_length`` documents and checks the cap.

    Single-line unless ``multiline`` (the API's counterpart of a textarea): a line break in a
    name forges mail headers and CSV lines, a control character breaks XLSX exports, a bidi
    control disguises what is shown. The forms refuse the same (``core.forms.Form``).
    """

    default_error_messages: ClassVar[dict] = {
        "invalid": "应为文本。",
        "nul": "文本中不能含有空字符（\\x00）。",
    }

    def __init__(
        self,
        *,
        max_length: int | None = None,
        required_text: bool = False,
        multiline: bool = False,
        **kwargs,
    ):
        validators = list(kwargs.pop("validate", None) or [])
        if required_text:
            validators.append(validate.Length(min=1, error="此项不能为空。"))
        if max_length is not None:
            validators.append(validate.Length(max=max_length, error="最多 {max} 个字符。"))
        self.multiline = multiline
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if "\x00" in value:
            raise self.make_error("nul")
        # Trimmed first: a spreadsheet cell's trailing line break is not a line break in it.
        return plain_text(value.strip(), multiline=self.multiline)


class CreditCode(fields.String):
    """统一社会信用代码: full-width normalised; the message names the rule that failed."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("统一社会信用代码应为文本。")
        try:
            return v.validate_credit_code(value)
        except v.ValidationError as exc:
            raise ValidationError(str(exc.message)) from exc


class _Checked(fields.String):
    """An optional string checked by one of ``core.validators``; blank stays ``""``."""

    check = staticmethod(lambda value: value)
    max_length = 255

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Length(max=self.max_length))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("应为文本。")
        if "\x00" in value:
            raise ValidationError("文本中不能含有空字符（\\x00）。")
        value = plain_text(value.strip())
        if not value:
            return ""
        try:
            return type(self).check(value)
        except v.ValidationError as exc:
            raise ValidationError(str(exc.message)) from exc


class Mobile(_Checked):
    check = staticmethod(v.validate_mobile)
    max_length = 20


class Website(_Checked):
    check = staticmethod(v.validate_website)
    max_length = 255


def _check_email(value: str) -> str:
    try:
        validate.Email()(value)
    except ValidationError as exc:
        raise v.ValidationError("邮箱地址格式不正确。") from exc
    return value


class Email(_Checked):
    check = staticmethod(_check_email)
    max_length = 254


class TaxonomyTerm(fields.String):
    """A term of one vocabulary given by code or Chinese label; loads to the ORM row."""

    def __init__(self, model, **kwargs):
        self.model = model
        metadata = {"description": f"Code or Chinese label of a `{model.__tablename__}` term."}
        super().__init__(metadata={**metadata, **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("应为代码或中文名称（文本）。")
        if "\x00" in value or len(value) > 120:
            raise ValidationError("取值无效。")
        try:
            return require_term(self.model, value, attr)
        except ServiceError as exc:
            raise ValidationError(str(exc.message)) from exc

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.code


class TaxonomyTermList(fields.List):
    """A list of terms of one vocabulary; loads to the rows, in order, without repeats."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(TaxonomyTerm(model), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, (list, tuple)):
            raise ValidationError("应为列表。")
        if len(value) > 50:
            raise ValidationError("最多 50 项。")
        rows = super()._deserialize(value, attr, data, **kwargs)
        return list({row.id: row for row in rows}.values())


class Yuan(fields.Integer):
    """Whole yuan, 0 … 10¹²; accepts ``500000``, ``500000.0`` and ``"500,000"``."""

    default_error_messages: ClassVar[dict] = {"invalid": "金额应为整数（元）。"}

    def __init__(self, **kwargs):
        super().__init__(
            validate=validate.Range(
                min=0, max=MAX_BUDGET, error="金额应在 {min} 到 {max} 元之间。"
            ),
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, str):
            digits = value.strip().replace(",", "").replace("，", "")
            if re.fullmatch(r"-?\d{1,15}(\.0+)?", digits) is None:
                raise self.make_error("invalid")
            return int(digits.split(".")[0])
        if isinstance(value, float):
            if not math.isfinite(value) or not value.is_integer():
                raise self.make_error("invalid")
            if abs(value) > 10 * MAX_BUDGET:
                raise ValidationError("金额过大。")
            return int(value)
        if isinstance(value, int):
            return value
        raise self.make_error("invalid")


class UtcDateTime(fields.DateTime):
    """The database's naive UTC datetimes, written with their offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.replace(tzinfo=UTC).isoformat()


class TermSchema(Schema):
    code = fields.String()
    label_zh = fields.String()
    label_en = fields.String()


class Viewed:
    """A dump schema that shows some fields only to some viewers (``viewer`` may be None)."""

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer
