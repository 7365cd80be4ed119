"""Form pieces shared by features: taxonomy choices and validators that wrap ours."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField
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


class TaxonomySelect(SelectField):
    """A select of one vocabulary's codes; an unknown code fails with a message."""

    def pre_validate(self, form):
        if self.data in ("", None) and not self.flags.required:
            return
        if self.data not in {code for code, _ in self.choices}:
            raise WTFValidationError(_l("请选择列表中的一项。"))


class TaxonomyMultiSelect(SelectMultipleField):
    def pre_validate(self, form):
        allowed = {code for code, _ in self.choices}
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
