"""Forms of the payroll run pages. Labels and messages are lazy: translated when rendered."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

MAX_REASON = 2000


class CreateRunForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    definition_id = SelectField(_l("Payroll definition"), coerce=int, validate_choice=True,
                                validators=[InputRequired(message=_l("Choose a payroll."))])
    period_start = DateField(_l("Period start"), validators=[
        InputRequired(message=_l("Enter the first day of the period (YYYY-MM-DD)."))])
    period_end = DateField(_l("Period end"), validators=[
        InputRequired(message=_l("Enter the last day of the period (YYYY-MM-DD)."))])
    payment_date = DateField(_l("Payment date"), validators=[Optional()])

    def validate_period_end(self, field: Any) -> None:
        start = self.period_start.data
        if start is not None and field.data is not None and field.data < start:
            raise ValidationError(_l("The period cannot end before it starts."))


class RecalculateForm(FlaskForm):  # type: ignore[misc]
    refresh_setup = BooleanField(_l("Use the current concepts and tables (new setup snapshot)"))


class VoidForm(FlaskForm):  # type: ignore[misc]
    reason = TextAreaField(_l("Reason for voiding"), validators=[
        DataRequired(message=_l("Give the reason for voiding this payroll run.")),
        Length(max=MAX_REASON, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 3})


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A POST action without fields (calculate, approve, apply): only the CSRF token."""
