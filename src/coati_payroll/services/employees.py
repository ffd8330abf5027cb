"""Employees and their effective-dated salary (custom field definitions and value parsing
live in :mod:`coati_payroll.services.custom_fields`; their names are re-exported here).

Every function validates completely before it writes: bad input raises
:class:`~coati_payroll.services.errors.InvalidInput` whose ``problems`` maps each field to a
message, and nothing is added to the session. Writes and their audit entries go to the given
session; nothing here commits (the caller's unit of work does, so an import of many rows is
all-or-nothing).

Rules:

* ``code`` is unique per company; the company must exist and be active.
* ``termination_date`` is on or after ``hire_date``.
* Custom values are checked against the active :class:`CustomFieldDefinition` rows: unknown
  or inactive codes are refused; an active field without a default must have a value. Values
  are given as their Python type or as text (imports) and stored as text (numbers as Decimal
  strings, dates ISO, booleans ``true``/``false``): :func:`parse_field_value` reads them back.
* The salary lives in ``salary_changes``: at most one change per date, on or after the hire
  date (and not after a termination), ``salary >= 0`` in an existing, active currency.
  :func:`salary_on` gives the change in force on a day.
* An employee is never deleted (payroll history points at it): terminate or deactivate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.model import PayBasis
from coati_payroll.core.setup_check import CODE_PATTERN
from coati_payroll.db.models import (
    Company,
    Currency,
    CustomFieldDefinition,
    Employee,
    SalaryChange,
)
from coati_payroll.db.types import Money
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.custom_fields import (
    CustomFieldData,
    FieldInput,
    create_custom_field,
    delete_custom_field,
    field_value_text,
    list_custom_fields,
    parse_field_value,
    set_custom_field_active,
    update_custom_field,
)
from coati_payroll.services.errors import InvalidInput, InvalidState

_MONEY: Final = Money()

__all__ = [  # the custom-field names are re-exported for callers that import them from here
    "CustomFieldData", "EmployeeData", "change_salary", "create_custom_field",
    "create_employee", "delete_custom_field", "field_value_text", "list_custom_fields",
    "money_problem", "parse_field_value", "salary_on", "set_custom_field_active",
    "set_employee_active", "snapshot", "terminate_employee", "update_custom_field",
    "update_employee",
]


@dataclass(frozen=True, slots=True)
class EmployeeData:
    """An employee's editable fields. ``salary``/``salary_currency`` are used by
    :func:`create_employee` only (a first salary change effective on the hire date);
    :func:`update_employee` refuses them (use :func:`change_salary`)."""

    company_id: int
    code: str
    first_name: str
    last_name: str
    hire_date: date
    national_id: str | None = None
    email: str | None = None
    termination_date: date | None = None
    position: str | None = None
    cost_center: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    pay_basis: PayBasis | str = PayBasis.MONTHLY
    custom_values: Mapping[str, FieldInput] = field(default_factory=dict)
    salary: Decimal | None = None
    salary_currency: str | None = None


def _check_custom_values(session: Session, values: Mapping[str, object],
                         problems: dict[str, str]) -> dict[str, str]:
    definitions = {d.code: d for d in session.scalars(sa.select(CustomFieldDefinition))}
    stored: dict[str, str] = {}
    for code, value in values.items():
        definition = definitions.get(code)
        key = f"custom.{code}"
        if definition is None or not definition.active:
            problems[key] = "no such custom field" if definition is None else "inactive field"
            continue
        try:
            stored[code] = field_value_text(definition.type,
                                            parse_field_value(definition.type, value))
        except ValueError as error:
            problems[key] = str(error)
    for code, definition in definitions.items():
        if definition.active and definition.default_value is None and code not in values:
            problems[f"custom.{code}"] = "required: this field has no default"
    return stored


# -- small checks --------------------------------------------------------------------------

def _text(problems: dict[str, str], name: str, value: str | None, limit: int,
          required: bool = False) -> None:
    if value is None or not value.strip():
        if required:
            problems[name] = "required"
        return
    if len(value) > limit:
        problems[name] = f"at most {limit} characters"


def money_problem(value: object, *, positive: bool = False) -> str | None:
    """The reason ``value`` is not a storable amount (≥ 0, or > 0), or None."""
    if not isinstance(value, (Decimal, int)) or isinstance(value, bool):
        return f"{value!r} is not an exact decimal amount"
    try:
        amount = _MONEY.coerce(value)
    except (TypeError, ValueError) as error:
        return str(error)
    if positive and amount <= 0:
        return "must be greater than 0"
    if amount < 0:
        return "must not be negative"
    return None


def _currency_problem(session: Session, code: str | None) -> str | None:
    if not code:
        return "required"
    currency = session.scalar(sa.select(Currency).where(Currency.code == code))
    if currency is None:
        return f"no currency {code}"
    return None if currency.active else f"currency {code} is inactive"


def snapshot(employee: Employee) -> dict[str, Any]:
    """The employee's columns as audit data."""
    return {name: getattr(employee, name) for name in (
        "company_id", "code", "first_name", "last_name", "national_id", "email", "hire_date",
        "termination_date", "position", "cost_center", "bank_name", "bank_account",
        "pay_basis", "active", "custom_values")}


def _validate(session: Session, data: EmployeeData, employee: Employee | None
              ) -> tuple[dict[str, str], PayBasis, dict[str, str]]:
    problems: dict[str, str] = {}
    company = session.get(Company, data.company_id)
    if company is None:
        problems["company_id"] = f"no company {data.company_id}"
    elif not company.active and employee is None:
        problems["company_id"] = f"company {company.code} is inactive"
    if employee is not None and data.company_id != employee.company_id:
        problems["company_id"] = "an employee cannot move to another company"
    if not CODE_PATTERN.match(data.code or "") or len(data.code) > 40:
        problems["code"] = "1-40 letters, digits or _, starting with a letter"
    elif company is not None:
        other = session.scalar(sa.select(Employee.id).where(
            Employee.company_id == data.company_id, Employee.code == data.code))
        if other is not None and (employee is None or other != employee.id):
            problems["code"] = f"company {company.code} already has an employee {data.code}"
    _text(problems, "first_name", data.first_name, 100, required=True)
    _text(problems, "last_name", data.last_name, 100, required=True)
    _text(problems, "national_id", data.national_id, 64)
    _text(problems, "email", data.email, 254)
    if data.email and "email" not in problems and "@" not in data.email:
        problems["email"] = "not an e-mail address"
    for name, limit in (("position", 100), ("cost_center", 64), ("bank_name", 100),
                        ("bank_account", 64)):
        _text(problems, name, getattr(data, name), limit)
    if data.termination_date is not None and data.termination_date < data.hire_date:
        problems["termination_date"] = "must be on or after the hire date"
    try:
        pay_basis = PayBasis(data.pay_basis)
    except ValueError:
        pay_basis = PayBasis.MONTHLY
        problems["pay_basis"] = "one of " + ", ".join(p.value for p in PayBasis)
    stored = _check_custom_values(session, data.custom_values, problems)
    return problems, pay_basis, stored


def _apply(employee: Employee, data: EmployeeData, pay_basis: PayBasis,
           custom: dict[str, str]) -> None:
    employee.company_id = data.company_id
    employee.code = data.code
    employee.first_name = data.first_name.strip()
    employee.last_name = data.last_name.strip()
    for name in ("national_id", "email", "position", "cost_center", "bank_name",
                 "bank_account"):
        value = getattr(data, name)
        setattr(employee, name, value.strip() if value and value.strip() else None)
    employee.hire_date = data.hire_date
    employee.termination_date = data.termination_date
    employee.pay_basis = pay_basis
    employee.custom_values = custom or None


# -- employees -----------------------------------------------------------------------------

def create_employee(session: Session, actor: Actor, data: EmployeeData) -> Employee:
    """Add an employee (and its first salary change, when ``data.salary`` is set)."""
    problems, pay_basis, custom = _validate(session, data, None)
    if data.salary is not None:
        if problem := money_problem(data.salary):
            problems["salary"] = problem
        if problem := _currency_problem(session, data.salary_currency):
            problems["salary_currency"] = problem
    elif data.salary_currency is not None:
        problems["salary"] = "required when a salary currency is given"
    if problems:
        raise InvalidInput("the employee cannot be saved", problems)
    employee = Employee(active=True)
    _apply(employee, data, pay_basis, custom)
    session.add(employee)
    session.flush()
    audit.record(session, actor, "employee.create", "employee", employee.id, {},
                 snapshot(employee))
    if data.salary is not None:
        assert data.salary_currency is not None
        change_salary(session, actor, employee, data.hire_date, data.salary,
                      data.salary_currency, "hire")
    return employee


def update_employee(session: Session, actor: Actor, employee: Employee,
                    data: EmployeeData) -> Employee:
    """Replace the employee's fields with ``data`` (the salary changes through
    :func:`change_salary`; the company never changes)."""
    problems, pay_basis, custom = _validate(session, data, employee)
    if data.salary is not None or data.salary_currency is not None:
        problems["salary"] = "use a salary change (change_salary) to change the salary"
    first = min((c.effective_date for c in employee.salary_changes), default=None)
    if first is not None and data.hire_date > first:
        problems["hire_date"] = f"a salary change is effective before it, on {first}"
    if problems:
        raise InvalidInput("the employee cannot be saved", problems)
    before = snapshot(employee)
    _apply(employee, data, pay_basis, custom)
    session.flush()
    audit.record(session, actor, "employee.update", "employee", employee.id, before,
                 snapshot(employee))
    return employee


def terminate_employee(session: Session, actor: Actor, employee: Employee,
                       termination_date: date) -> Employee:
    """Set the termination date (on or after the hire date). The employee stays active so
    that the final period is paid; deactivate afterwards."""
    if termination_date < employee.hire_date:
        raise InvalidInput("the employee cannot be terminated",
                           {"termination_date": "must be on or after the hire date"})
    before = snapshot(employee)
    employee.termination_date = termination_date
    session.flush()
    audit.record(session, actor, "employee.terminate", "employee", employee.id, before,
                 snapshot(employee))
    return employee


def set_employee_active(session: Session, actor: Actor, employee: Employee,
                        active: bool) -> Employee:
    """Deactivate (``active=False``) or reactivate an employee; inactive employees are not
    assigned to payrolls. Raises InvalidState when it is already so."""
    if employee.active == active:
        raise InvalidState(f"employee {employee.code} is already "
                           f"{'active' if active else 'inactive'}")
    before = snapshot(employee)
    employee.active = active
    session.flush()
    audit.record(session, actor, "employee.activate" if active else "employee.deactivate",
                 "employee", employee.id, before, snapshot(employee))
    return employee


# -- salary --------------------------------------------------------------------------------

def change_salary(session: Session, actor: Actor, employee: Employee, effective_date: date,
                  salary: Decimal, currency: str, reason: str | None = None) -> SalaryChange:
    """Record the salary (per pay-basis unit) in ``currency`` from ``effective_date`` on."""
    problems: dict[str, str] = {}
    if problem := money_problem(salary):
        problems["salary"] = problem
    if problem := _currency_problem(session, currency):
        problems["currency"] = problem
    if effective_date < employee.hire_date:
        problems["effective_date"] = f"before the hire date {employee.hire_date}"
    elif employee.termination_date is not None and effective_date > employee.termination_date:
        problems["effective_date"] = f"after the termination date {employee.termination_date}"
    elif any(c.effective_date == effective_date for c in employee.salary_changes):
        problems["effective_date"] = f"there is already a salary change on {effective_date}"
    _text(problems, "reason", reason, 200)
    if problems:
        raise InvalidInput("the salary change cannot be saved", problems)
    change = SalaryChange(employee_id=employee.id, effective_date=effective_date,
                          salary=salary, currency_code=currency, reason=reason,
                          created_by_id=actor.user_id)
    session.add(change)
    session.flush()
    session.refresh(employee, ["salary_changes"])
    audit.record(session, actor, "employee.salary_change", "employee", employee.id, {}, {
        "effective_date": effective_date, "salary": salary, "currency": currency,
        "reason": reason})
    return change


def salary_on(employee: Employee, day: date) -> SalaryChange | None:
    """The salary change in force on ``day`` (the latest on or before it), None if none."""
    current = None
    for change in employee.salary_changes:  # ordered by effective_date
        if change.effective_date > day:
            break
        current = change
    return current
