"""Rendering: notice sentences, amount display, JSON values, text and explanation."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from types import MappingProxyType

import pytest
from scenario_helpers import BASE_YAML

from coati_payroll.core.results import Notice
from coati_payroll.scenario import load_scenario_text, run_scenario
from coati_payroll.scenario.render import (
    AmountFormat,
    explanation_text,
    json_value,
    notice_sentence,
    run_json,
    run_text,
)


@pytest.mark.parametrize(("code", "params", "sentence"), [
    ("excluded_not_hired", {"hire_date": date(2026, 2, 3)},
     "Not paid this period: hired on 2026-02-03, after the period ends."),
    ("excluded_terminated", {"termination_date": date(2025, 12, 31)},
     "Not paid this period: terminated on 2025-12-31, before the period starts."),
    ("deduction_cut", {"concept": "LOAN", "loan_id": "L1", "requested": Decimal("300.00"),
                       "applied": Decimal("120.00"), "shortfall": Decimal("180.00")},
     "LOAN (loan L1): 300.00 was due but only 120.00 fitted in the net pay; "
     "180.00 was not deducted."),
    ("deduction_skipped", {"concept": "UNION", "requested": Decimal("50"),
                           "applied": Decimal("0"), "shortfall": Decimal("50")},
     "UNION: 50 did not fit in the net pay and was skipped; 50 was not deducted."),
    ("capped", {"concept": "SS", "computed": Decimal("743.79"), "cap": Decimal("500")},
     "SS: 743.79 was limited to the cap 500."),
    ("floored", {"concept": "SS", "computed": Decimal("1"), "floor": Decimal("5")},
     "SS: 1 was raised to the floor 5."),
    ("prorated", {"paid_days": Decimal("13"), "period_days": 28, "worked_days": 13,
                  "absence_days": Decimal("0"), "absence_hours": Decimal("0")},
     "Base salary prorated: 13 paid days of 28 (worked 13, absent 0)."),
    ("prorated", {"paid_days": Decimal("26"), "period_days": 28, "worked_days": 28,
                  "absence_days": Decimal("2"), "absence_hours": Decimal("4")},
     "Base salary prorated: 26 paid days of 28 (worked 28, absent 2), less 4 unpaid hours."),
    ("no_hours_worked", {"input": "HOURS"},
     "No hours worked were given (input HOURS); the base salary is 0."),
    ("something_new", {"a": Decimal("1.5"), "b": True}, "something_new (a=1.5, b=true)"),
])
def test_notice_sentences(code: str, params: dict[str, object], sentence: str) -> None:
    assert notice_sentence(Notice(code, MappingProxyType(params))) == sentence


def test_amount_format_pads_but_never_rounds() -> None:
    cents = AmountFormat(Decimal("0.01"))
    assert cents(Decimal("250")) == "250.00"
    assert cents(Decimal("250.5")) == "250.50"
    assert cents(Decimal("0.125")) == "0.125"
    assert AmountFormat(Decimal("1"))(Decimal("250")) == "250"
    assert AmountFormat(Decimal("0.05"))(Decimal("3")) == "3.00"


def test_json_values_are_never_floats() -> None:
    value = json_value({"a": Decimal("1.10"), "d": date(2026, 1, 2), "l": (Decimal(1), None),
                        "b": False, "n": 3})
    assert value == {"a": "1.10", "d": "2026-01-02", "l": ["1", None], "b": False, "n": 3}


def test_text_json_and_explanation_of_a_run() -> None:
    run = run_scenario(load_scenario_text(BASE_YAML))
    text = run_text(run)
    assert "E1 — Ana [ok]" in text
    assert "2914.37" in text
    assert "1860.00" in text
    assert "Totals: 2 employees, 2 computed, 0 excluded, 0 failed" in text
    document = run_json(run, explain="E1")
    json.dumps(document)
    ana = document["employees"][0]
    assert ana["net"] == "2914.37"
    assert ana["lines"][-1] == {"code": "LOAN", "name": "LOAN", "kind": "deduction",
                                "amount": "50.00", "loan_id": "L1",
                                "trace": ana["lines"][-1]["trace"]}
    assert ana["lines"][0]["trace"]["formula"]
    assert "trace" not in document["employees"][1]["lines"][0]
    explanation = explanation_text(run, "E1")
    assert "formula:   input.OVERTIME_HOURS * hourly_rate * 1.5" in explanation
    assert "input.OVERTIME_HOURS = 10" in explanation
    with pytest.raises(KeyError):
        explanation_text(run, "nobody")
