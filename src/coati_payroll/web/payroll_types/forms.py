"""The payroll type form: every field of core ``PayrollType``, each with its explanation."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from coati_payroll.core.model import Periodicity, ProrationBasis, SalaryConversion
from coati_payroll.web.concepts.fields import DecimalText, IntegerText

PERIODICITY_LABELS: dict[str, Any] = {
    Periodicity.MONTHLY.value: _l("Monthly"),
    Periodicity.SEMI_MONTHLY.value: _l("Semi-monthly"),
    Periodicity.BIWEEKLY.value: _l("Biweekly"),
    Periodicity.WEEKLY.value: _l("Weekly"),
    Periodicity.DAILY.value: _l("Daily"),
}
CONVERSION_LABELS: dict[str, Any] = {
    "": _l("The periodicity's default"),
    SalaryConversion.DIVISOR.value: _l("Divisor: monthly salary / divisor"),
    SalaryConversion.ANNUALIZED.value: _l("Annualized: monthly salary × 12 / periods per year"),
    SalaryConversion.DAILY.value: _l("Daily: monthly salary / days per month × days of the "
                                     "period"),
}
PRORATION_LABELS: dict[str, Any] = {
    ProrationBasis.CALENDAR_DAYS.value: _l("Calendar days (February has 28 or 29)"),
    ProrationBasis.COMMERCIAL_30.value: _l("Commercial 30-day month"),
}
MONTHS: list[tuple[str, Any]] = [(str(n), label) for n, label in enumerate((
    _l("January"), _l("February"), _l("March"), _l("April"), _l("May"), _l("June"),
    _l("July"), _l("August"), _l("September"), _l("October"), _l("November"),
    _l("December")), 1)]
INPUT_FIELDS = ("absence_days_input", "absence_hours_input", "hours_worked_input",
                "days_worked_input")

#: The explanation shown under each field.
HINTS: dict[str, Any] = {
    "code": _l("Letters, digits and _, starting with a letter. Fixed once created."),
    "periodicity": _l("How often this payroll is paid; it sets the defaults below."),
    "conversion": _l("How a monthly salary becomes the salary of one period."),
    "divisor": _l("For the divisor rule: 1 monthly, 2 semi-monthly… Empty: the periodicity's "
                  "default."),
    "periods_per_year": _l("Periods in a fiscal year (12, 24, 26, 52…). Empty: the "
                           "periodicity's default."),
    "proration": _l("How days are counted when a salary is prorated (hire, termination, "
                    "unpaid absence)."),
    "days_per_month": _l("The daily rate is the monthly salary / days per month."),
    "hours_per_day": _l("The hourly rate is the daily rate / hours per day."),
    "fiscal_year_start_month": _l("The first month of the fiscal year: year-to-date "
                                  "accumulators start again then."),
    "absence_days_input": _l("The input that holds unpaid absence days (they reduce the "
                             "base salary)."),
    "absence_hours_input": _l("The input that holds unpaid absence hours."),
    "hours_worked_input": _l("The input that holds hours worked (pays hourly employees)."),
    "days_worked_input": _l("The input that holds days worked (pays daily employees, when "
                            "given)."),
}


class PayrollTypeForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("required")), Length(max=40, message=_l("at most 40 characters"))])
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("required")),
        Length(max=200, message=_l("at most 200 characters"))])
    periodicity = SelectField(_l("Periodicity"), choices=list(PERIODICITY_LABELS.items()))
    conversion = SelectField(_l("Salary conversion"), choices=list(CONVERSION_LABELS.items()))
    divisor = DecimalText(_l("Divisor"))
    periods_per_year = IntegerText(_l("Periods per year"))
    proration = SelectField(_l("Proration basis"), choices=list(PRORATION_LABELS.items()))
    days_per_month = DecimalText(_l("Days per month"), required=True, default="30")
    hours_per_day = DecimalText(_l("Hours per day"), required=True, default="8")
    fiscal_year_start_month = SelectField(_l("Fiscal year starts in"), choices=MONTHS,
                                          default="1")
    absence_days_input = SelectField(_l("Input: unpaid absence days"))
    absence_hours_input = SelectField(_l("Input: unpaid absence hours"))
    hours_worked_input = SelectField(_l("Input: hours worked"))
    days_worked_input = SelectField(_l("Input: days worked"))

    def set_inputs(self, codes: list[tuple[str, str]]) -> None:
        choices = [("", str(_l("No input"))), *codes]
        for name in INPUT_FIELDS:
            self[name].choices = choices
