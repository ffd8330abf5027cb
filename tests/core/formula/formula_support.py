"""Shared scope, environment and helpers for the formula tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext
from typing import Any

from coati_payroll.core.formula import (
    TABLE_HITS,
    StaticScope,
    Table,
    TableKind,
    TableRow,
    ValueType,
    compile_formula,
)
from coati_payroll.core.money import CALCULATION_CONTEXT, RoundingPolicy

D = Decimal
N, B, DT, T = ValueType.NUMBER, ValueType.BOOLEAN, ValueType.DATE, ValueType.TEXT

INCOME_TAX = Table("INCOME_TAX", TableKind.PROGRESSIVE, (
    TableRow(D(0), D(10000), D(0)),
    TableRow(D(10000), D(50000), D("0.15"), D(0)),
    TableRow(D(50000), None, D("0.25"), D(6000)),
))
SS_RATES = Table("SS_RATES", TableKind.FLAT, (
    TableRow(D(0), D(1000), D("0.05")),
    TableRow(D(1000), D(3000), D("0.07"), D(5)),
), upper_inclusive=False)

NAMES: dict[str, ValueType] = {
    "gross": N, "salary": N, "x": N, "y": N, "z": N, "zero": N, "neg": N,
    "base_salary": N, "monthly_salary": N, "hourly_rate": N, "SS_EMPLOYEE": N,
    "flag": B, "off": B, "dept": T, "start": DT, "end": DT,
    "input.OVERTIME_HOURS": N, "custom.DEPARTMENT": T, "ytd.GROSS": N,
    "period.start": DT, "period.end": DT, "employee.hire_date": DT,
    "employee.years_of_service": N,
}

SCOPE = StaticScope(NAMES, {"INCOME_TAX": INCOME_TAX, "SS_RATES": SS_RATES})
CHF_SCOPE = StaticScope(NAMES, SCOPE.tables, RoundingPolicy(D("0.05")))


def make_env(**overrides: Any) -> dict[str, Any]:
    env: dict[str, Any] = {
        "gross": D("1500.00"), "salary": D("3000"), "x": D(150), "y": D(20000), "z": D(2),
        "zero": D(0), "neg": D(-8), "base_salary": D("3000.00"), "monthly_salary": D(3000),
        "hourly_rate": D("12.50"), "SS_EMPLOYEE": D("105.00"),
        "flag": True, "off": False, "dept": "SALES", "start": date(2024, 1, 15),
        "end": date(2024, 3, 14), "input.OVERTIME_HOURS": D(10),
        "custom.DEPARTMENT": "SALES", "ytd.GROSS": D(18000),
        "period.start": date(2026, 1, 1), "period.end": date(2026, 1, 31),
        "employee.hire_date": date(2019, 2, 1), "employee.years_of_service": D(6),
    }
    env.update({k.replace("__", "."): v for k, v in overrides.items()})
    return env


def ev(source: str, scope: StaticScope = SCOPE, env: dict[str, Any] | None = None,
       **overrides: Any) -> Any:
    """Compile ``source`` (any result type) and evaluate it in the calculation context."""
    compiled = compile_formula(source, scope, expected=None)
    with localcontext(CALCULATION_CONTEXT):
        return compiled.evaluate(env if env is not None else make_env(**overrides))


def ev_hits(source: str, **overrides: Any) -> tuple[Any, list[Any]]:
    env = make_env(**overrides)
    env[TABLE_HITS] = []
    return ev(source, env=env), env[TABLE_HITS]
