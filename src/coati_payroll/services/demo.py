"""A demo company for trying Coati Payroll (``payrollctl demo --employees N``, the Quick start).

'Coati Demo Co.' (company code ``DEMO``) is paid monthly in USD by the payroll ``MONTHLY``:

* earnings: the base salary; overtime at 1.5 × the hourly rate (input ``OVERTIME_HOURS``);
  a 60.00 transport allowance for employees with the custom field ``TRANSPORT_ELIGIBLE``;
* deductions, in priority order: social security 7 % of gross with the insurable gross capped
  at 10,000 a month; income tax on the annualized taxable income ((gross − social security)
  × 12) through the progressive table ``INCOME_TAX``, divided by 12; loan installments;
* employer: social security 22.5 %, training levy 2 %, severance provision 8.33 % of gross;
* year-to-date accumulators of gross, social security and income tax.

Employees ``D0001`` … are generated deterministically (names, departments, salaries from 1,800
to about 25,000); every 5th has a loan of 3,000.00 repaid 300.00 a month, and every 4th some
overtime hours dated in the current month.

Idempotent: the setup goes through :func:`~coati_payroll.services.config_io.import_config`
(identical items are skipped), employees are added only for missing codes and loans and
novelties only for employees created in this call — running it twice adds nothing, and
running it with a larger N adds the missing employees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import (
    Company,
    DefinitionEmployee,
    Employee,
    Loan,
    LoanMovement,
    MovementKind,
    Novelty,
    PayrollDefinition,
)
from coati_payroll.services import audit, config_io, employees
from coati_payroll.services.actor import Actor

COMPANY: Final = "DEMO"
PAYROLL: Final = "MONTHLY"
MAX_EMPLOYEES: Final = 100_000
SINCE: Final = date(2020, 1, 1)

_FIRST: Final = ("Ana", "Bruno", "Carla", "Diego", "Elena", "Felipe", "Gabriela", "Hugo",
                 "Inés", "Jorge", "Karla", "Luis", "María", "Néstor", "Olga", "Pablo", "Rosa",
                 "Samuel", "Teresa", "Víctor")
_LAST: Final = ("Morales", "Díaz", "Núñez", "Rivas", "Soto", "Vargas", "Ruiz", "Méndez",
                "Castro", "López", "Herrera", "Rojas", "Gómez", "Pérez", "Silva", "Torres",
                "Flores", "Ramos", "Ortega")
_DEPARTMENTS: Final = ("Sales", "Warehouse", "Finance", "Operations", "Management", "IT")


def _version(formula: str, **extra: Any) -> list[dict[str, Any]]:
    return [{"version": 1, "status": "approved", "effective_from": SINCE, "formula": formula,
             **extra}]


def _concept(code: str, kind: str, name: str, formula: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "name": name, "kind": kind, "versions": _version(formula, **extra)}


CONCEPTS: Final = (
    _concept("OVERTIME", "earning", "Overtime", "input.OVERTIME_HOURS * hourly_rate * 1.5"),
    _concept("TRANSPORT", "earning", "Transport allowance", "60",
             condition="custom.TRANSPORT_ELIGIBLE"),
    _concept("SS", "deduction", "Social security (employee)", "min(gross, 10000) * 7%",
             priority=1),
    _concept("INCOME_TAX", "deduction", "Income tax",
             'table("INCOME_TAX", (gross - SS) * 12) / 12', priority=2),
    _concept("LOAN", "deduction", "Loan repayment", "loan.installment", priority=3, loan=True),
    _concept("ER_SS", "employer", "Social security (employer)", "gross * 22.5%"),
    _concept("ER_TRAINING", "employer", "Training levy", "gross * 2%"),
    _concept("SEVERANCE", "employer", "Severance provision", "gross * 8.33%"),
)


def demo_document() -> dict[str, Any]:
    """The demo setup as a config document (the format of ``payrollctl config export``)."""
    brackets = [("0", "100000", "0", "0"), ("100000", "200000", "0.15", "0"),
                ("200000", "350000", "0.20", "15000"), ("350000", "500000", "0.25", "45000"),
                ("500000", None, "0.30", "82500")]
    return {
        "config_version": config_io.CONFIG_VERSION,
        "currencies": [{"code": "USD", "name": "US dollar", "symbol": "$"}],
        "payroll_types": [{"code": "MONTHLY", "name": "Monthly", "periodicity": "monthly",
                           "absence_days_input": "ABSENCE_DAYS"}],
        "inputs": [{"code": "ABSENCE_DAYS", "name": "Unpaid absence days"},
                   {"code": "OVERTIME_HOURS", "name": "Overtime hours"}],
        "custom_fields": [
            {"code": "DEPARTMENT", "label": "Department", "type": "text", "default": "",
             "position": 1},
            {"code": "TRANSPORT_ELIGIBLE", "label": "Gets the transport allowance",
             "type": "boolean", "default": "false", "position": 2}],
        "accumulators": [
            {"code": "GROSS_YTD", "name": "Gross pay this fiscal year", "amount": "gross"},
            {"code": "SS_YTD", "name": "Employee social security this fiscal year",
             "amount": "SS"},
            {"code": "TAX_YTD", "name": "Income tax this fiscal year", "amount": "INCOME_TAX"}],
        "tables": [{"code": "INCOME_TAX", "name": "Income tax brackets (annual)",
                    "kind": "progressive", "effective_from": SINCE,
                    "rows": [{"lower": lo, "rate": rate, "fixed": fixed,
                              **({"upper": up} if up else {})}
                             for lo, up, rate, fixed in brackets]}],
        "concepts": list(CONCEPTS),
        "companies": [{"code": COMPANY, "name": "Coati Demo Co.",
                       "legal_name": "Coati Demo Company Ltd."}],
        "payroll_definitions": [{"company": COMPANY, "code": PAYROLL, "name": "Monthly payroll",
                                 "payroll_type": "MONTHLY", "currency": "USD",
                                 "concepts": [{"code": c["code"]} for c in CONCEPTS]}],
    }


@dataclass(frozen=True, slots=True)
class DemoSummary:
    company: str
    payroll: str
    employees_created: int
    employees_total: int
    loans_created: int
    novelties_created: int
    setup_added: int

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def demo_employee(index: int) -> dict[str, Any]:
    """The ``index``-th (0-based) demo employee's data: code, names, hire date, salary."""
    salary = Decimal((1800 + (index * 1237) % 23200) // 50 * 50) if index else Decimal(12000)
    return {
        "code": f"D{index + 1:04d}", "first_name": _FIRST[index % len(_FIRST)],
        "last_name": _LAST[(index * 7) % len(_LAST)],
        "hire_date": date(2015 + index % 10, 1 + index % 12, 1 + index % 28),
        "salary": salary, "department": _DEPARTMENTS[index % len(_DEPARTMENTS)],
        "transport": salary < 8000,
    }


def create_demo(session: Session, actor: Actor, employee_count: int,
                today: date | None = None) -> DemoSummary:
    """Add the demo setup and ``employee_count`` employees (see the module docstring); the
    caller commits. Raises ScenarioError when the database holds a conflicting setup (for
    example a concept ``SS`` with other rules) and InvalidInput for a bad count."""
    from coati_payroll.services.errors import InvalidInput

    if not 0 <= employee_count <= MAX_EMPLOYEES:
        raise InvalidInput("bad number of employees",
                           {"employees": f"from 0 to {MAX_EMPLOYEES}"})
    today = today or date.today()
    added = config_io.import_config(session, actor, config_io.dump_yaml(demo_document()),
                                    source="demo setup")
    company = session.scalar(sa.select(Company).where(Company.code == COMPANY))
    assert company is not None
    definition = session.scalar(sa.select(PayrollDefinition).where(
        PayrollDefinition.company_id == company.id, PayrollDefinition.code == PAYROLL))
    assert definition is not None
    existing = set(session.scalars(sa.select(Employee.code).where(
        Employee.company_id == company.id)))
    created: list[tuple[int, Employee]] = []
    for index in range(employee_count):
        spec = demo_employee(index)
        if spec["code"] in existing:
            continue
        employee = employees.create_employee(session, actor, employees.EmployeeData(
            company_id=company.id, code=spec["code"], first_name=spec["first_name"],
            last_name=spec["last_name"], hire_date=spec["hire_date"],
            position="Staff", cost_center=spec["department"][:3].upper(),
            custom_values={"DEPARTMENT": spec["department"],
                           "TRANSPORT_ELIGIBLE": spec["transport"]},
            salary=spec["salary"], salary_currency="USD"))
        session.add(DefinitionEmployee(definition_id=definition.id, employee_id=employee.id))
        created.append((index, employee))
    loans = novelties = 0
    start = today.replace(day=1)
    for index, employee in created:
        if index % 5 == 4:
            loan = Loan(employee_id=employee.id, concept_code="LOAN", currency_code="USD",
                        principal=Decimal("3000.00"), installments=10,
                        installment=Decimal("300.00"), balance=Decimal("3000.00"),
                        start_date=start, note="demo loan", created_by_id=actor.user_id)
            loan.movements.append(LoanMovement(
                movement_date=start, kind=MovementKind.DISBURSEMENT, amount=loan.principal,
                balance_after=loan.principal, created_by_id=actor.user_id))
            session.add(loan)
            loans += 1
        if index % 4 == 1:
            session.add(Novelty(employee_id=employee.id, input_code="OVERTIME_HOURS",
                                value=Decimal(2 + index % 11), effective_date=start,
                                note="demo overtime", created_by_id=actor.user_id))
            novelties += 1
    session.flush()
    if created:
        audit.record(session, actor, "demo.create", "company", company.id, {}, {
            "employees": [e.code for _, e in created], "loans": loans, "novelties": novelties})
    total = session.scalar(sa.select(sa.func.count()).select_from(Employee).where(
        Employee.company_id == company.id)) or 0
    return DemoSummary(COMPANY, PAYROLL, len(created), total, loans, novelties,
                       sum(added.values()))
