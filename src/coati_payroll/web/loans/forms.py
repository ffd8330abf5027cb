"""Forms of the loan pages. Labels and messages are lazy: translated when rendered."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

MAX_NOTE = 2000
_AMOUNT = _l("Enter an amount greater than zero, e.g. 1500.00.")


class LoanForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    company = SelectField(_l("Company"), validators=[
        InputRequired(message=_l("Choose the company."))])
    employee = StringField(_l("Employee code"), validators=[
        DataRequired(message=_l("Enter the employee's code.")), Length(max=40)])
    concept_code = SelectField(_l("Loan deduction concept"), validators=[
        InputRequired(message=_l("Choose the deduction that repays the loan."))])
    kind = SelectField(_l("Kind"), choices=[("loan", _l("Loan")), ("advance", _l("Advance"))])
    principal = DecimalField(_l("Principal"), places=None, validators=[
        InputRequired(message=_AMOUNT), NumberRange(min=Decimal("0.01"), message=_AMOUNT)])
    installments = IntegerField(_l("Installments"), validators=[
        InputRequired(message=_l("Enter the number of installments.")),
        NumberRange(min=1, max=1200, message=_l("From 1 to 1200 installments."))])
    interest_method = SelectField(_l("Interest"), choices=[
        ("none", _l("No interest")), ("flat", _l("Flat interest")),
        ("french", _l("French (constant installment)"))])
    annual_rate = DecimalField(_l("Annual rate (fraction: 0.12 is 12 %)"), places=None,
                               default=Decimal(0), validators=[
        InputRequired(message=_l("Enter the annual rate (0 for none).")),
        NumberRange(min=0, max=1, message=_l("A fraction from 0 to 1 (0.12 means 12 percent)."))])
    start_date = DateField(_l("Start date"), validators=[
        InputRequired(message=_l("Enter the start date (YYYY-MM-DD)."))])
    currency_code = SelectField(_l("Currency"), validators=[Optional()])
    periods_per_year = IntegerField(_l("Payroll periods per year"), default=12, validators=[
        InputRequired(message=_l("Enter the payroll periods per year.")),
        NumberRange(min=1, max=366, message=_l("From 1 to 366."))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=MAX_NOTE)],
                         render_kw={"rows": 2})


class ExtraPaymentForm(FlaskForm):  # type: ignore[misc]
    amount = DecimalField(_l("Amount paid"), places=None, validators=[
        InputRequired(message=_AMOUNT), NumberRange(min=Decimal("0.01"), message=_AMOUNT)])
    day = DateField(_l("Date"), validators=[
        InputRequired(message=_l("Enter the date (YYYY-MM-DD)."))])
    reduce = RadioField(_l("Then"), default="count", choices=[
        ("count", _l("keep the installment (fewer installments)")),
        ("amount", _l("keep the number of installments (smaller installment)"))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=MAX_NOTE)])


class ForgiveForm(FlaskForm):  # type: ignore[misc]
    amount = DecimalField(_l("Amount forgiven (empty: the whole balance)"), places=None,
                          validators=[Optional(), NumberRange(min=Decimal("0.01"),
                                                              message=_AMOUNT)])
    day = DateField(_l("Date"), validators=[
        InputRequired(message=_l("Enter the date (YYYY-MM-DD)."))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=MAX_NOTE)])
