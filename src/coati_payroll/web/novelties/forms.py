"""Forms of the novelty pages. Labels and messages are lazy: translated when rendered."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from coati_payroll.services.tabular import amount_cell

MAX_NOTE = 2000


class NoveltyForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    company = SelectField(_l("Company"), validators=[
        InputRequired(message=_l("Choose the company."))])
    employee = StringField(_l("Employee code"), validators=[
        DataRequired(message=_l("Enter the employee's code.")), Length(max=40)])
    input = SelectField(_l("Input"), validators=[InputRequired(message=_l("Choose an input."))])
    value = StringField(_l("Value"), validators=[
        DataRequired(message=_l("Enter the value, e.g. 12.5.")), Length(max=40)])
    date = DateField(_l("Effective date"), validators=[
        InputRequired(message=_l("Enter the date (YYYY-MM-DD)."))])
    payroll = SelectField(_l("Payroll definition (optional)"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=MAX_NOTE)],
                         render_kw={"rows": 2})

    def validate_value(self, field: Any) -> None:
        try:
            amount_cell(field.data or "")
        except ValueError:
            raise ValidationError(_l("Write the value with digits and '.' as the decimal "
                                     "separator, e.g. 12.5.")) from None


class ImportForm(FlaskForm):  # type: ignore[misc]
    file = FileField(_l("CSV or XLSX file"), validators=[
        FileRequired(message=_l("Choose a file to import.")),
        FileAllowed(["csv", "xlsx"], message=_l("The file must be a .csv or .xlsx file."))])
    company = SelectField(_l("Company for rows without one"), validators=[Optional()])
    allow_duplicates = BooleanField(_l("Add rows identical to a pending novelty"))


class CancelForm(FlaskForm):  # type: ignore[misc]
    """Cancelling a pending novelty: only the CSRF token."""
