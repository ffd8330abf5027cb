"""Builders for core snapshots used by the core tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from coati_payroll.core.model import (
    Accumulator,
    Concept,
    ConceptKind,
    CustomFieldDef,
    Employee,
    InputDef,
    PayPeriod,
    PayrollSetup,
    PayrollType,
    Periodicity,
)
from coati_payroll.core.money import Currency

D = Decimal
JANUARY = PayPeriod(date(2026, 1, 1), date(2026, 1, 31))


def earning(code: str, formula: str, **kw: object) -> Concept:
    return Concept(code, ConceptKind.EARNING, formula, **kw)  # type: ignore[arg-type]


def deduction(code: str, formula: str, priority: int = 1, **kw: object) -> Concept:
    return Concept(code, ConceptKind.DEDUCTION, formula, priority=priority,
                   **kw)  # type: ignore[arg-type]


def employer(code: str, formula: str, **kw: object) -> Concept:
    return Concept(code, ConceptKind.EMPLOYER, formula, **kw)  # type: ignore[arg-type]


def make_setup(concepts: Sequence[Concept] = (), *, period: PayPeriod = JANUARY,
               payroll_type: PayrollType | None = None, currency: Currency | None = None,
               inputs: Sequence[str] = (), custom_fields: Sequence[CustomFieldDef] = (),
               accumulators: Sequence[Accumulator] = (), **kw: object) -> PayrollSetup:
    return PayrollSetup(
        currency=currency or Currency("USD"), period=period, concepts=tuple(concepts),
        payroll_type=payroll_type or PayrollType(Periodicity.MONTHLY),
        inputs={code: InputDef(code) for code in inputs},
        custom_fields={f.code: f for f in custom_fields},
        accumulators=tuple(accumulators), **kw)  # type: ignore[arg-type]


def make_employee(salary: str | int = 1000, *, id: str = "E1",
                  hire_date: date = date(2020, 1, 1), **kw: object) -> Employee:
    return Employee(id=id, hire_date=hire_date, salary=D(salary), **kw)  # type: ignore[arg-type]
