"""The accumulator form. Labels and messages are lazy: translated when rendered."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

#: The explanation shown under each field.
HINTS: dict[str, Any] = {
    "code": _l("Letters, digits and _, starting with a letter (e.g. YTD_GROSS). Formulas read "
               "the year-to-date value as ytd.CODE. Fixed once created."),
    "amount": _l("What each payslip adds (a number), evaluated after the payslip with every "
                 "name available and rounded to the currency. Example: gross. The value "
                 "starts again at the beginning of the payroll type's fiscal year."),
}

#: Formulas one click away in the editor.
EXAMPLES: tuple[tuple[str, Any], ...] = (
    ("gross", _l("Gross pay of each period")),
    ("net", _l("Net pay of each period")),
    ("base_salary", _l("The base salary of each period")),
    ("total_deductions", _l("Every deduction of each period")),
    ("max(gross - 1000, 0)", _l("What exceeds 1000 in each period")),
)


class AccumulatorForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("required")), Length(max=40, message=_l("at most 40 characters"))])
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("required")),
        Length(max=200, message=_l("at most 200 characters"))])
    amount = TextAreaField(_l("Amount formula"), validators=[
        DataRequired(message=_l("required")),
        Length(max=4000, message=_l("at most 4000 characters"))])
