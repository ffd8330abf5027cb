"""Employee forms. The employee form is built per request with one field per active custom
field, rendered by the field's type (number, text, date, yes/no)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, Field, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from coati_payroll.core.model import FieldType, PayBasis
from coati_payroll.core.setup_check import CODE_PATTERN
from coati_payroll.db.models import CustomFieldDefinition, Employee
from coati_payroll.services.custom_fields import parse_field_value
from coati_payroll.services.employees import EmployeeData
from coati_payroll.web.currencies.fields import AmountField, upload_format

CODE_MESSAGE = _l("Use 1-40 letters, digits or _, starting with a letter.")
TOO_LONG = _l("At most %(max)d characters.")
PAY_BASIS_LABELS = {
    PayBasis.MONTHLY.value: _l("Monthly"),
    PayBasis.DAILY.value: _l("Daily"),
    PayBasis.HOURLY.value: _l("Hourly"),
}
YES_NO = {"true": _l("Yes"), "false": _l("No")}
CUSTOM_PREFIX = "custom_"
EMAIL = r"^[^@\s]+@[^@\s]+$"


def _text(label: Any, limit: int) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=limit, message=TOO_LONG)])


class EmployeeForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    company_id = SelectField(_l("Company"), coerce=int, choices=[], validate_choice=False,
                             validators=[InputRequired(message=_l("Choose a company."))])
    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("Enter a code.")),
        Length(max=40, message=CODE_MESSAGE), Regexp(CODE_PATTERN, message=CODE_MESSAGE)])
    first_name = StringField(_l("First name"), validators=[
        DataRequired(message=_l("Enter the first name.")), Length(max=100, message=TOO_LONG)])
    last_name = StringField(_l("Last name"), validators=[
        DataRequired(message=_l("Enter the last name.")), Length(max=100, message=TOO_LONG)])
    national_id = _text(_l("National id"), 64)
    email = StringField(_l("E-mail"), validators=[
        Optional(), Length(max=254, message=TOO_LONG),
        Regexp(EMAIL, message=_l("Enter an e-mail address such as ana@example.com."))])
    hire_date = DateField(_l("Hire date"), validators=[
        InputRequired(message=_l("Enter the hire date."))])
    termination_date = DateField(_l("Termination date"), validators=[Optional()])
    position = _text(_l("Position"), 100)
    cost_center = _text(_l("Cost center"), 64)
    bank_name = _text(_l("Bank"), 100)
    bank_account = _text(_l("Bank account"), 64)
    pay_basis = SelectField(_l("Pay basis"), default=PayBasis.MONTHLY.value,
                            choices=list(PAY_BASIS_LABELS.items()))

    definitions: Sequence[CustomFieldDefinition] = ()

    def validate_termination_date(self, field: Field) -> None:
        if field.data and self.hire_date.data and field.data < self.hire_date.data:
            raise ValidationError(str(_l("The termination date must be on or after the "
                                         "hire date.")))

    def custom_fields(self) -> list[tuple[CustomFieldDefinition, Field]]:
        return [(d, self[CUSTOM_PREFIX + d.code]) for d in self.definitions]

    def custom_values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for definition, field in self.custom_fields():
            value = field.amount if isinstance(field, AmountField) else field.data
            if isinstance(value, str):
                value = value.strip()
                if definition.type is FieldType.BOOLEAN:
                    value = {"true": True, "false": False}.get(value, "")
            if value is not None and value != "":
                values[definition.code] = value
        return values

    def to_data(self, *, company_id: int | None = None) -> EmployeeData:
        return EmployeeData(
            company_id=company_id if company_id is not None else self.company_id.data,
            code=(self.code.data or "").strip(), first_name=self.first_name.data or "",
            last_name=self.last_name.data or "", hire_date=self.hire_date.data,
            national_id=self.national_id.data or None, email=self.email.data or None,
            termination_date=self.termination_date.data, position=self.position.data or None,
            cost_center=self.cost_center.data or None, bank_name=self.bank_name.data or None,
            bank_account=self.bank_account.data or None, pay_basis=self.pay_basis.data,
            custom_values=self.custom_values(),  # type: ignore[arg-type]
            **self.salary_data())

    def salary_data(self) -> dict[str, Any]:
        return {}

    def load_custom_values(self, employee: Employee) -> None:
        stored = employee.custom_values or {}
        for definition, field in self.custom_fields():
            if definition.code not in stored:
                continue
            try:
                value = parse_field_value(definition.type, stored[definition.code])
            except ValueError:
                continue
            if isinstance(value, bool):
                field.data = "true" if value else "false"
            else:
                field.process_data(value)


class NewEmployeeForm(EmployeeForm):
    salary = AmountField(_l("Salary"), validators=[InputRequired(message=_l("Enter the salary."))])
    salary_currency = SelectField(_l("Salary currency"), choices=[], validate_choice=False,
                                  validators=[DataRequired(message=_l("Choose a currency."))])

    def salary_data(self) -> dict[str, Any]:
        return {"salary": self.salary.amount, "salary_currency": self.salary_currency.data}


def _custom_field(definition: CustomFieldDefinition) -> Field:
    required = definition.default_value is None
    need = InputRequired(message=_l("This field has no default: enter a value."))
    validators: list[Any] = [need] if required else [Optional()]
    label = definition.label
    if definition.type is FieldType.NUMBER:
        return AmountField(label, validators=validators)
    if definition.type is FieldType.DATE:
        return DateField(label, validators=validators)
    if definition.type is FieldType.BOOLEAN:
        choices = [("", "—"), *YES_NO.items()]
        return SelectField(label, choices=choices, validators=validators)
    return StringField(label, validators=[*validators, Length(max=500, message=TOO_LONG)])


def employee_form(definitions: Sequence[CustomFieldDefinition], *, new: bool,
                  **kwargs: Any) -> EmployeeForm:
    """An employee form (with salary fields when ``new``) with one field per definition."""
    base = NewEmployeeForm if new else EmployeeForm
    attributes: dict[str, Any] = {CUSTOM_PREFIX + d.code: _custom_field(d) for d in definitions}
    attributes["definitions"] = tuple(definitions)
    form_class = type("EmployeeFormWithFields", (base,), attributes)
    form: EmployeeForm = form_class(**kwargs)
    return form


class SalaryForm(FlaskForm):  # type: ignore[misc]
    effective_date = DateField(_l("Effective from"), validators=[
        InputRequired(message=_l("Enter the date the salary applies from."))])
    salary = AmountField(_l("New salary"), validators=[
        InputRequired(message=_l("Enter the salary."))])
    currency = SelectField(_l("Currency"), choices=[], validate_choice=False,
                           validators=[DataRequired(message=_l("Choose a currency."))])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200,
                                                                       message=TOO_LONG)])

    def values(self) -> tuple[date, Decimal, str, str | None]:
        assert self.salary.amount is not None
        return (self.effective_date.data, self.salary.amount, self.currency.data,
                (self.reason.data or "").strip() or None)


class ImportForm(FlaskForm):  # type: ignore[misc]
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file."))])
    company = SelectField(_l("Default company"), choices=[], validate_choice=False)
    update = BooleanField(_l("Update existing employees"))

    def validate_file(self, field: FileField) -> None:
        upload_format(getattr(field.data, "filename", None))
