"""Form pieces shared by features: taxonomy choices and validators that wrap ours."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError as WTFValidationError

from ..extensions import db
from . import validators as v


def taxonomy_choices(model, *, blank: str | None = None) -> list[tuple[str, str]]:
    """(code, label) pairs of a vocabulary's active terms, in their order."""
    rows = db.session.execute(
        db.select(model).where(model.active.is_(True)).order_by(model.position, model.id)
    ).scalars()
    choices = [(row.code, row.label) for row in rows]
    return ([("", blank)] if blank is not None else []) + choices


def select_choices(model, *, blank: str | None = None) -> list[SelectChoice]:
    """``taxonomy_choices`` as WTForms choices."""
    return [SelectChoice(code, label) for code, label in taxonomy_choices(model, blank=blank)]


def _values(choices) -> set[str]:
    return {choice.value for choice in choices}


class TaxonomySelect(SelectField):
    """A select of one vocabulary's codes; an unknown code fails with a message."""

    def pre_validate(self, form):
        if self.data in ("", None) and not self.flags.required:
            return
        if self.data not in _values(self.choices):
            raise WTFValidationError(_l("请选择列表中的一项。"))


class TaxonomyMultiSelect(SelectMultipleField):
    def pre_validate(self, form):
        allowed = _values(self.choices)
        if any(value not in allowed for value in self.data or ()):
            raise WTFValidationError(_l("请选择列表中的选项。"))


def wrap(check):
    """Turn one of ``core.validators`` into a WTForms validator that normalises the field."""

    def validator(form, field):
        if not field.data:
            return
        try:
            result = check(field.data)
        except v.ValidationError as exc:
            raise WTFValidationError(str(exc.message)) from exc
        if isinstance(result, str):
            field.data = result

    return validator


#: WTForms fills in %(max)d.
TOO_LONG = _l("不能超过 %(max)d 个字符。")


def flash_form_errors(form) -> None:
    """Each field's messages as flashes, for forms posted from a page that redirects back."""
    from flask import flash

    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")


INT32_MAX = 2**31 - 1


class Form(FlaskForm):
    """Every form of the platform: text fields refuse control and bidi characters, and
    single-line fields refuse line breaks, whatever the feature's own validators say."""

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in self:
            # Ids and amounts are 32-bit integers in the database: a larger number typed
            # into any form is a field error, never an overflow there.
            if (
                isinstance(field, IntegerField)
                and isinstance(field.data, int)
                and not -INT32_MAX <= field.data <= INT32_MAX
            ):
                field.errors = [*field.errors, str(_l("数值超出允许范围。"))]
                ok = False
            if isinstance(field, StringField) and isinstance(field.data, str):
                try:
                    v.check_plain_text(field.data, multiline=isinstance(field, TextAreaField))
                except v.ValidationError as exc:
                    field.errors = [*field.errors, str(exc.message)]
                    ok = False
        return ok
