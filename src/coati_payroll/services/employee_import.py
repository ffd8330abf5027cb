"""Importing and exporting employees as CSV or XLSX (``payrollctl employees import|export``).

Columns (header names, any order, any letter case; see docs/cli.md):

=======================  ===================================================================
``code``                 required; unique per company
``company``              company code; may be left out when ``default_company`` is given or
                         there is exactly one company
``first_name``,          required for a new employee
``last_name``
``hire_date``            required for a new employee; ``YYYY-MM-DD``
``salary``,              required for a new employee: the salary per pay-basis unit (``.``
``salary_currency``      decimal separator only) and its currency code
``salary_effective_date`` the date a changed salary applies from (updates); default: the hire
                         date for a new employee
``termination_date``,    optional
``national_id``, ``email``, ``position``, ``cost_center``, ``bank_name``, ``bank_account``
``pay_basis``            ``monthly`` (default), ``daily`` or ``hourly``
``active``               true/false (updates may deactivate)
``payrolls``             payroll definition codes of the company, separated by ``;``: the
                         employee is added to them (never removed)
``custom.CODE``          a value of the custom field CODE
=======================  ===================================================================

All-or-nothing: every row is validated (by :mod:`coati_payroll.services.employees`, the same
rules as the forms) and every problem is collected as ``row N: column`` → message; if there is
any, :class:`~coati_payroll.services.errors.InvalidInput` is raised and the caller's unit of
work is never committed, so nothing is saved. With ``update=True`` a row whose code exists
updates that employee (empty cells keep the current value); otherwise an existing code is an
error. Nothing here commits: the caller does (or does not, for a dry run).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coati_payroll.core.model import PayBasis
from coati_payroll.db.models import (
    Company,
    CustomFieldDefinition,
    DefinitionEmployee,
    Employee,
    PayrollDefinition,
)
from coati_payroll.services import audit, employees
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput
from coati_payroll.services.tabular import (
    Sheet,
    SheetRow,
    TabularError,
    amount_cell,
    boolean_cell,
    date_cell,
)

TEXT_COLUMNS: Final = ("national_id", "email", "position", "cost_center", "bank_name",
                       "bank_account")
COLUMNS: Final = ("company", "code", "first_name", "last_name", "national_id", "email",
                  "hire_date", "termination_date", "position", "cost_center", "bank_name",
                  "bank_account", "pay_basis", "active", "salary", "salary_currency",
                  "salary_effective_date", "payrolls")
ALWAYS_REQUIRED: Final = ("code",)
NEW_REQUIRED: Final = ("first_name", "last_name", "hire_date", "salary", "salary_currency")
CUSTOM_PREFIX: Final = "custom."
MAX_PROBLEMS: Final = 500

_SERVICE_KEYS: Final = {"company_id": "company", "effective_date": "salary_effective_date",
                        "currency": "salary_currency"}


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did (or would do, for a dry run)."""

    rows: int
    created: int
    updated: int
    unchanged: int

    def as_dict(self) -> dict[str, int]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged}


class RowCheck:
    """One row being validated: its cells and the problems found, keyed ``row N: column``."""

    def __init__(self, row: SheetRow, problems: dict[str, str]) -> None:
        self.row = row
        self.problems = problems
        self.failed = False

    def cell(self, column: str) -> str:
        return self.row.values.get(column, "").strip()

    def fail(self, column: str, message: str) -> None:
        self.failed = True
        if len(self.problems) < MAX_PROBLEMS:
            self.problems[f"row {self.row.number}: {column}"] = message

    def parsed(self, column: str, reader: Any) -> Any:
        text = self.cell(column)
        if not text:
            return None
        try:
            return reader(text)
        except ValueError as error:
            self.fail(column, str(error))
            return None


def check_columns(sheet: Sheet, session: Session, known: Sequence[str],
                  required: Sequence[str]) -> dict[str, CustomFieldDefinition]:
    """Refuse unknown or missing columns (a file-level error); returns the custom fields
    named by ``custom.CODE`` columns."""
    fields = {d.code: d for d in session.scalars(sa.select(CustomFieldDefinition))}
    problems: dict[str, str] = {}
    named: dict[str, CustomFieldDefinition] = {}
    for column in sheet.columns:
        if column.startswith(CUSTOM_PREFIX):
            code = column.removeprefix(CUSTOM_PREFIX)
            match = next((d for c, d in fields.items() if c.lower() == code), None)
            if match is None or not match.active:
                problems[f"column {column!r}"] = (
                    f"no active custom field {code!r} (custom fields: "
                    f"{', '.join(sorted(c for c, d in fields.items() if d.active)) or 'none'})")
            else:
                named[column] = match
        elif column not in known:
            problems[f"column {column!r}"] = (
                f"unknown column (known columns: {', '.join(known)}, custom.CODE)")
    for column in required:
        if column not in sheet.columns:
            problems[f"column {column!r}"] = "required column is missing"
    if problems:
        raise TabularError("the file's columns are not usable; nothing was imported", problems)
    return named


def resolve_company(row: RowCheck, companies: dict[str, Company],
                    default: Company | None) -> Company | None:
    code = row.cell("company")
    if not code:
        if default is None:
            row.fail("company", "required (give the column, --company, or have one company)")
        return default
    company = companies.get(code)
    if company is None:
        row.fail("company", f"no company {code!r}")
    return company


def default_company(session: Session, code: str | None) -> Company | None:
    """The company ``code`` (InvalidInput if none), or the only company when ``code`` is
    None and there is exactly one."""
    if code is not None:
        company = session.scalar(sa.select(Company).where(Company.code == code))
        if company is None:
            raise InvalidInput(f"no company {code!r}", {"company": f"no company {code!r}"})
        return company
    found = list(session.scalars(sa.select(Company).limit(2)))
    return found[0] if len(found) == 1 else None


def import_employees(session: Session, actor: Actor, sheet: Sheet, *,
                     company: str | None = None, update: bool = False) -> ImportSummary:
    """Validate and add (or, with ``update``, upsert) the employees of ``sheet``.

    Raises InvalidInput listing every problem (``row 12: hire_date`` → ``'2026-13-01' is not
    a date (YYYY-MM-DD)``); the caller must then not commit."""
    fields = check_columns(sheet, session, COLUMNS,
                           ALWAYS_REQUIRED if update else ALWAYS_REQUIRED + NEW_REQUIRED)
    fallback = default_company(session, company)
    companies = {c.code: c for c in session.scalars(sa.select(Company))}
    existing = {(e.company_id, e.code): e for e in session.scalars(
        sa.select(Employee).options(selectinload(Employee.salary_changes)))}
    definitions = {(d.company_id, d.code): d for d in session.scalars(
        sa.select(PayrollDefinition))}
    problems: dict[str, str] = {}
    first_row: dict[tuple[int, str], int] = {}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for sheet_row in sheet.rows:
        row = RowCheck(sheet_row, problems)
        owner = resolve_company(row, companies, fallback)
        code = row.cell("code")
        if not code:
            row.fail("code", "required")
        elif owner is not None:
            key = (owner.id, code)
            if key in first_row:
                row.fail("code", f"{code!r} appears again (first on row {first_row[key]})")
            first_row.setdefault(key, sheet_row.number)
        if row.failed or owner is None:
            continue
        employee = existing.get((owner.id, code))
        if employee is not None and not update:
            row.fail("code", f"employee {code!r} already exists in company {owner.code!r} "
                             "(use --update to update existing employees)")
            continue
        outcome = _save_row(session, actor, row, owner, code, employee, fields, definitions)
        if outcome is not None:
            counts[outcome] += 1
    if problems:
        raise InvalidInput(f"{len({k.split(':')[0] for k in problems})} row(s) have problems; "
                           "nothing was imported", problems)
    return ImportSummary(len(sheet.rows), **counts)


def _save_row(session: Session, actor: Actor, row: RowCheck, company: Company, code: str,
              employee: Employee | None, fields: dict[str, CustomFieldDefinition],
              definitions: dict[tuple[int, str], PayrollDefinition]) -> str | None:
    hire = row.parsed("hire_date", date_cell)
    termination = row.parsed("termination_date", date_cell)
    salary = row.parsed("salary", amount_cell)
    effective = row.parsed("salary_effective_date", date_cell)
    active = row.parsed("active", boolean_cell)
    pay_basis = row.cell("pay_basis").lower() or None
    if pay_basis is not None and pay_basis not in {p.value for p in PayBasis}:
        row.fail("pay_basis", f"{row.cell('pay_basis')!r} is not one of "
                              + ", ".join(p.value for p in PayBasis))
    currency = row.cell("salary_currency") or None
    custom = {d.code: row.cell(column) for column, d in fields.items() if row.cell(column)}
    payrolls = _payrolls(row, company, definitions)
    if employee is None:
        for column in NEW_REQUIRED:
            if not row.cell(column):
                row.fail(column, "required for a new employee")
    if row.failed:
        return None
    given: dict[str, Any] = {name: row.cell(name) for name in
                             ("first_name", "last_name", *TEXT_COLUMNS) if row.cell(name)}
    if hire is not None:
        given["hire_date"] = hire
    if termination is not None:
        given["termination_date"] = termination
    if pay_basis is not None:
        given["pay_basis"] = PayBasis(pay_basis)
    outcome = "unchanged"
    try:
        if employee is None:
            data = employees.EmployeeData(
                company_id=company.id, code=code, custom_values=custom, salary=salary,
                salary_currency=currency, **given)
            employee = employees.create_employee(session, actor, data)
            if effective is not None and effective != employee.hire_date:
                row.fail("salary_effective_date", "a new employee's first salary applies from "
                                                  "the hire date; leave this cell empty")
                return None
            outcome = "created"
        else:
            current = _data_of(employee)
            data = replace(current, custom_values={**current.custom_values, **custom},
                           **given)
            if data != current:
                employees.update_employee(session, actor, employee, data)
                outcome = "updated"
            if salary is not None and _salary_changes(row, session, actor, employee, salary,
                                                      currency, effective):
                outcome = "updated"
        if active is not None and active != employee.active:
            employees.set_employee_active(session, actor, employee, active)
            outcome = "updated"
    except InvalidInput as error:
        for key, message in error.problems.items():
            row.fail(_SERVICE_KEYS.get(key, key), message)
        return None
    if _assign(session, actor, employee, payrolls):
        outcome = "updated" if outcome == "unchanged" else outcome
    return outcome


def _payrolls(row: RowCheck, company: Company,
              definitions: dict[tuple[int, str], PayrollDefinition]) -> list[PayrollDefinition]:
    found = []
    for code in (part.strip() for part in row.cell("payrolls").split(";")):
        if not code:
            continue
        definition = definitions.get((company.id, code))
        if definition is None:
            row.fail("payrolls", f"company {company.code!r} has no payroll {code!r}")
        elif not definition.active:
            row.fail("payrolls", f"payroll {code!r} is inactive")
        else:
            found.append(definition)
    return found


def _assign(session: Session, actor: Actor, employee: Employee,
            definitions: list[PayrollDefinition]) -> bool:
    if not definitions:
        return False
    assigned = set(session.scalars(sa.select(DefinitionEmployee.definition_id).where(
        DefinitionEmployee.employee_id == employee.id)))
    added = False
    for definition in definitions:
        if definition.id in assigned:
            continue
        session.add(DefinitionEmployee(definition_id=definition.id, employee_id=employee.id))
        audit.record(session, actor, "definition.add_employee", "payroll_definition",
                     definition.id, {}, {"employee": employee.code})
        assigned.add(definition.id)
        added = True
    session.flush()
    return added


def _salary_changes(row: RowCheck, session: Session, actor: Actor, employee: Employee,
                    salary: Decimal, currency: str | None, effective: date | None) -> bool:
    """Record a salary change when the file's salary differs from the one in force."""
    in_force = employees.salary_on(employee, effective or date.today()) \
        or (employee.salary_changes[0] if employee.salary_changes else None)
    currency = currency or (in_force.currency_code if in_force else None)
    if in_force is not None and in_force.salary == salary and in_force.currency_code == currency:
        return False
    if effective is None:
        row.fail("salary_effective_date", "required to change the salary of an existing "
                                          f"employee (salary in force: "
                                          f"{in_force.salary if in_force else 'none'})")
        return False
    if in_force is not None and in_force.effective_date == effective:
        row.fail("salary_effective_date", f"there is already a salary change on {effective}")
        return False
    if currency is None:
        row.fail("salary_currency", "required")
        return False
    employees.change_salary(session, actor, employee, effective, salary, currency, "import")
    return True


def _data_of(employee: Employee) -> employees.EmployeeData:
    return employees.EmployeeData(
        company_id=employee.company_id, code=employee.code, first_name=employee.first_name,
        last_name=employee.last_name, hire_date=employee.hire_date,
        termination_date=employee.termination_date, pay_basis=employee.pay_basis,
        custom_values=dict(employee.custom_values or {}),
        **{name: getattr(employee, name) for name in TEXT_COLUMNS})


# -- export -----------------------------------------------------------------------------------

def amount_text(value: Decimal) -> Decimal:
    """``value`` without trailing zeros past the cents (``10000.000000`` → ``10000.00``)."""
    cents = value.quantize(Decimal("0.01"))
    return cents if cents == value else value.normalize()


def export_columns(session: Session) -> list[str]:
    fields = session.scalars(sa.select(CustomFieldDefinition.code).where(
        CustomFieldDefinition.active.is_(True)).order_by(CustomFieldDefinition.position,
                                                         CustomFieldDefinition.code))
    return [*COLUMNS, *(f"{CUSTOM_PREFIX}{code}" for code in fields)]


def export_rows(session: Session, columns: Sequence[str], *, company: str | None = None,
                as_of: date | None = None, batch: int = 500) -> Iterator[list[Any]]:
    """The employees as rows of ``columns`` (company, code order), streamed in batches; the
    salary is the one in force on ``as_of`` (default today; the first one if none yet)."""
    as_of = as_of or date.today()
    companies = {c.id: c.code for c in session.scalars(sa.select(Company))}
    query = sa.select(Employee).join(Company).order_by(Company.code, Employee.code)
    if company is not None:
        query = query.where(Company.code == company)
    memberships: dict[int, list[str]] = {}
    for employee_id, code in session.execute(
            sa.select(DefinitionEmployee.employee_id, PayrollDefinition.code)
            .join(PayrollDefinition).order_by(PayrollDefinition.code)):
        memberships.setdefault(employee_id, []).append(code)
    offset = 0
    while True:
        chunk = list(session.scalars(query.options(selectinload(Employee.salary_changes))
                                     .limit(batch).offset(offset)))
        if not chunk:
            return
        offset += batch
        for employee in chunk:
            salary = employees.salary_on(employee, as_of) or (
                employee.salary_changes[0] if employee.salary_changes else None)
            values: dict[str, Any] = {
                "company": companies[employee.company_id],
                "pay_basis": employee.pay_basis.value,
                "salary": amount_text(salary.salary) if salary else None,
                "salary_currency": salary.currency_code if salary else None,
                "salary_effective_date": salary.effective_date if salary else None,
                "payrolls": ";".join(memberships.get(employee.id, [])),
                **{f"{CUSTOM_PREFIX}{k}": v for k, v in (employee.custom_values or {}).items()},
            }
            yield [values[c] if c in values else getattr(employee, c, None) for c in columns]
