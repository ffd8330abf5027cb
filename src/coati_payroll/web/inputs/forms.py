"""The input form. Labels and messages are lazy: translated when rendered."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from coati_payroll.web.concepts.fields import DecimalText

#: The explanation shown under each field.
HINTS: dict[str, Any] = {
    "code": _l("Letters, digits and _, starting with a letter (e.g. OVERTIME_HOURS). Formulas "
               "read it as input.CODE. Fixed once created."),
    "default": _l("The value when an employee has no novelty of this input in the period "
                  "(usually 0)."),
}


class InputForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("required")), Length(max=40, message=_l("at most 40 characters"))])
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("required")),
        Length(max=200, message=_l("at most 200 characters"))])
    default = DecimalText(_l("Default value"), required=True, default="0")
