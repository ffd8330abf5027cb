"""The examples of docs/formula-language.md compile against the names the engine provides."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, localcontext
from pathlib import Path

import pytest

from coati_payroll.core.errors import FormulaTypeError
from coati_payroll.core.formula import (
    StaticScope,
    Table,
    TableKind,
    TableRow,
    ValueType,
    compile_formula,
)
from coati_payroll.core.money import CALCULATION_CONTEXT

DOC = Path(__file__).resolve().parents[3] / "docs" / "formula-language.md"
N, B, DT, T = ValueType.NUMBER, ValueType.BOOLEAN, ValueType.DATE, ValueType.TEXT

ENGINE_NAMES = {
    "salary": N, "monthly_salary": N, "daily_rate": N, "hourly_rate": N, "period_salary": N,
    "base_salary": N, "exchange_rate": N, "gross": N, "total_deductions": N, "net": N,
    "period.start": DT, "period.end": DT, "period.payment_date": DT, "period.days": N,
    "period.worked_days": N, "period.paid_days": N, "period.absence_days": N,
    "period.absence_hours": N, "period.number": N, "period.periods_per_year": N,
    "period.remaining_periods": N, "employee.hire_date": DT, "employee.years_of_service": N,
    "employee.hired_in_period": B, "employee.terminated_in_period": B,
    "input.OVERTIME_HOURS": N, "custom.DEPARTMENT": T, "ytd.TAXABLE": N, "ytd.INCOME_TAX": N,
    "total.TAXABLE": N, "SS_EMPLOYEE": N,
}
TAX = Table("INCOME_TAX", TableKind.PROGRESSIVE, (
    TableRow(Decimal(0), Decimal(12000)),
    TableRow(Decimal(12000), None, Decimal("0.2")),
))
SCOPE = StaticScope(ENGINE_NAMES, {"INCOME_TAX": TAX})


def _examples() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Worked examples", 1)[1]
    return [block.strip() for block in re.findall(r"```\n(.*?)```", section, re.S)]


def test_names_section_lists_exactly_the_engine_names():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Names the payroll engine provides", 1)[1].split("## Worked", 1)[0]
    for name in ENGINE_NAMES:
        if "." in name and name.split(".")[0] in ("input", "custom", "ytd", "total"):
            continue
        if name == "SS_EMPLOYEE":
            continue
        assert f"`{name}`" in section or name.startswith("period.") and name in section, name
    assert "employer_contributions" not in section


@pytest.mark.parametrize("source", _examples())
def test_worked_examples_compile(source):
    expected = ValueType.BOOLEAN if "==" in source and "if(" not in source else ValueType.NUMBER
    compiled = compile_formula(source, SCOPE, expected=expected)
    env: dict[str, object] = {name: Decimal(1000) for name, t in ENGINE_NAMES.items() if t == N}
    env.update({"period.start": date(2026, 1, 1), "period.end": date(2026, 1, 31),
                "employee.hire_date": date(2019, 3, 1), "custom.DEPARTMENT": "SALES",
                "employee.terminated_in_period": False, "period.remaining_periods": Decimal(12)})
    with localcontext(CALCULATION_CONTEXT):
        compiled.evaluate(env)


def test_positioned_error_example_of_the_docs():
    source = "gross * 7%\n  + min(salary,\n        custom.DEPARTMENT)"
    with pytest.raises(FormulaTypeError) as info:
        compile_formula(source, SCOPE)
    assert str(info.value) in DOC.read_text(encoding="utf-8")
