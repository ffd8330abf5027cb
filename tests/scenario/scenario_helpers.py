"""A small valid scenario that the loader tests break one key at a time, and helpers."""

from __future__ import annotations

import pytest

from coati_payroll.scenario import ScenarioError, load_scenario_text

# E1: hourly 3000 / 30 / 8 = 12.5; overtime 10 x 12.5 x 1.5 = 187.50; gross 3187.50;
#     SS 7 % = 223.125 -> 223.13; loan min(100, balance 50) = 50.00; net 2914.37.
# E2: gross 2000.00; SS 140.00; net 1860.00.
BASE_YAML = """\
name: Test scenario
description: two employees
setup:
  currency: USD
  exchange_rates:
    EUR: "1.10"
  payroll_type:
    periodicity: monthly
    absence_days_input: ABSENCE_DAYS
  period:
    start: 2026-01-01
    end: 2026-01-31
  inputs:
    OVERTIME_HOURS:
      default: "0"
  custom_fields:
    DEPARTMENT:
      type: text
      default: ""
  tables:
    TAX:
      kind: progressive
      rows:
        - {lower: "0", upper: "1000", rate: "0"}
        - {lower: "1000", upper: null, rate: "0.10"}
  concepts:
    - code: OVERTIME
      kind: earning
      formula: input.OVERTIME_HOURS * hourly_rate * 1.5
    - code: SS
      kind: deduction
      priority: 1
      formula: gross * 7%
    - code: LOAN
      kind: deduction
      priority: 3
      loan: true
      formula: loan.installment
  accumulators:
    - code: GROSS_YTD
      amount: gross
employees:
  - id: E1
    name: Ana
    hire_date: 2020-01-01
    salary: "3000"
    inputs:
      OVERTIME_HOURS: "10"
    loans:
      - id: L1
        concept: LOAN
        installment: "100"
        balance: "50"
  - id: E2
    hire_date: 2020-01-01
    salary: "2000"
"""


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the ``occurrence``-th ``needle``."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in the text")


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def load_error(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, source="t.yaml")
    return info.value
