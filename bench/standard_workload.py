"""The standard benchmark workload of design.md §3, built as core snapshots in memory.

One company, one currency, a monthly payroll, N employees; employee i (0-based):
monthly salary 10000 + (i × 37 mod 20000); a fixed bonus of 500; overtime of (i mod 13) hours at
salary / 240 × 1.5; social security 7 % of gross (priority 1); income tax on annualized
(gross − social security) with a five-bracket progressive table, monthly = annual / 12
(priority 2); a 300 loan installment for every 5th employee (priority 3); employer social
security 22.5 %, training 2 % and severance provision 8.33 %, each on gross.

:func:`expected_net` recomputes an employee's net with plain Decimal arithmetic, independently of
the engine, so that benchmarks can check a few payslips.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from coati_payroll.core.formula.tables import Table, TableKind, TableRow
from coati_payroll.core.model import (
    Concept,
    ConceptKind,
    Employee,
    InputDef,
    Loan,
    PayPeriod,
    PayrollSetup,
    PayrollType,
    Periodicity,
)
from coati_payroll.core.money import Currency

D = Decimal
CENT = D("0.01")
BRACKETS = (
    (D(0), D(100000), D(0), D(0)),
    (D(100000), D(200000), D(0), D("0.15")),
    (D(200000), D(350000), D(15000), D("0.20")),
    (D(350000), D(500000), D(45000), D("0.25")),
    (D(500000), None, D(82500), D("0.30")),
)


def standard_setup() -> PayrollSetup:
    table = Table("INCOME_TAX", TableKind.PROGRESSIVE, tuple(
        TableRow(lower, upper, rate, fixed) for lower, upper, fixed, rate in BRACKETS))
    concepts = (
        Concept("BONUS", ConceptKind.EARNING, "500", name="Fixed bonus"),
        Concept("OVERTIME", ConceptKind.EARNING,
                "input.OVERTIME_HOURS * monthly_salary / 240 * 1.5", name="Overtime"),
        Concept("SS", ConceptKind.DEDUCTION, "gross * 7%", name="Social security", priority=1),
        Concept("INCOME_TAX", ConceptKind.DEDUCTION,
                'table("INCOME_TAX", (gross - SS) * 12) / 12', name="Income tax", priority=2),
        Concept("LOAN", ConceptKind.DEDUCTION, "loan.installment", name="Loan", priority=3,
                loan=True),
        Concept("ER_SS", ConceptKind.EMPLOYER, "gross * 22.5%", name="Employer social security"),
        Concept("TRAINING", ConceptKind.EMPLOYER, "gross * 2%", name="Training"),
        Concept("SEVERANCE", ConceptKind.EMPLOYER, "gross * 8.33%", name="Severance provision"),
    )
    return PayrollSetup(
        currency=Currency("USD"),
        period=PayPeriod(date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 31)),
        concepts=concepts,
        payroll_type=PayrollType(Periodicity.MONTHLY),
        tables={"INCOME_TAX": table},
        inputs={"OVERTIME_HOURS": InputDef("OVERTIME_HOURS", "Overtime hours")},
    )


def salary_of(i: int) -> Decimal:
    return D(10000 + (i * 37) % 20000)


def standard_employee(i: int) -> Employee:
    hours = i % 13
    loans = (Loan(f"L{i}", "LOAN", D(300), D(1000000)),) if i % 5 == 0 else ()
    return Employee(
        id=f"E{i:06d}", hire_date=date(2020, 1, 1), salary=salary_of(i), name=f"Employee {i}",
        inputs={"OVERTIME_HOURS": D(hours)} if hours else {}, loans=loans)


def standard_employees(n: int) -> Iterator[Employee]:
    return (standard_employee(i) for i in range(n))


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _annual_tax(annual: Decimal) -> Decimal:
    for lower, upper, fixed, rate in BRACKETS:
        if upper is None or annual <= upper:
            return fixed + rate * (annual - lower)
    raise AssertionError("unreachable")


def expected_net(i: int) -> Decimal:
    """Net pay of employee ``i`` by plain arithmetic (no engine)."""
    salary = salary_of(i)
    overtime = _round(D(i % 13) * salary / 240 * D("1.5"))
    gross = salary + 500 + overtime
    ss = _round(gross * D("0.07"))
    tax = _round(_annual_tax((gross - ss) * 12) / 12)
    loan = D(300) if i % 5 == 0 else D(0)
    return gross - ss - tax - loan
