"""Loading valid scenario files into core snapshots."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from scenario_helpers import BASE_YAML, replace_once

from coati_payroll.core.formula.tables import TableKind
from coati_payroll.core.model import (
    ConceptKind,
    FieldType,
    PayBasis,
    Periodicity,
    ProrationBasis,
    ShortfallPolicy,
)
from coati_payroll.core.results import PayslipStatus
from coati_payroll.scenario import load_scenario, load_scenario_text, run_scenario


def test_base_scenario_builds_the_setup(base_yaml: str) -> None:
    scenario = load_scenario_text(base_yaml, source="t.yaml")
    setup = scenario.setup
    assert scenario.name == "Test scenario"
    assert scenario.description == "two employees"
    assert setup.currency.code == "USD"
    assert setup.currency.rounding.minor_unit == Decimal("0.01")
    assert setup.currency.rounding.mode == "HALF_UP"
    assert setup.exchange_rates == {"EUR": Decimal("1.10")}
    assert setup.payroll_type.periodicity is Periodicity.MONTHLY
    assert setup.period.start == date(2026, 1, 1)
    assert setup.period.end == date(2026, 1, 31)
    assert setup.period.payment_date is None
    # the payroll type's absence input is declared implicitly
    assert set(setup.inputs) == {"OVERTIME_HOURS", "ABSENCE_DAYS"}
    assert setup.custom_fields["DEPARTMENT"].type is FieldType.TEXT
    assert setup.custom_fields["DEPARTMENT"].default == ""
    table = setup.tables["TAX"]
    assert table.kind is TableKind.PROGRESSIVE
    assert table.rows[1].lower == Decimal("1000")
    assert table.rows[1].upper is None
    assert table.rows[1].rate == Decimal("0.10")
    assert [c.code for c in setup.concepts] == ["OVERTIME", "SS", "LOAN"]
    ss = setup.concepts[1]
    assert ss.kind is ConceptKind.DEDUCTION
    assert ss.priority == 1
    assert ss.shortfall is ShortfallPolicy.PARTIAL
    assert setup.concepts[2].loan
    assert [a.code for a in setup.accumulators] == ["GROSS_YTD"]


def test_base_scenario_builds_the_employees(base_yaml: str) -> None:
    scenario = load_scenario_text(base_yaml)
    ana, second = scenario.employees
    assert ana.id == "E1"
    assert ana.name == "Ana"
    assert ana.salary == Decimal("3000")
    assert ana.pay_basis is PayBasis.MONTHLY
    assert ana.inputs == {"OVERTIME_HOURS": Decimal("10")}
    assert ana.loans[0].id == "L1"
    assert ana.loans[0].balance == Decimal("50")
    assert second.salary_currency is None
    assert scenario.expectations == {}


def test_unquoted_float_salary_is_exact() -> None:
    text = replace_once(BASE_YAML, 'salary: "3000"', "salary: 0.1")
    employee = load_scenario_text(text).employees[0]
    assert employee.salary == Decimal("0.1")
    assert str(employee.salary) == "0.1"


def test_all_optional_keys_are_read(base_yaml: str) -> None:
    text = replace_once(base_yaml, "  currency: USD\n",
                        '  currency: {code: JPY, minor_unit: "1", rounding: half_even}\n')
    text = replace_once(text, "    periodicity: monthly\n",
                        "    periodicity: biweekly\n    conversion: annualized\n"
                        "    periods_per_year: 26\n    proration: commercial_30\n"
                        "    days_per_month: 30\n    hours_per_day: 7.5\n"
                        "    fiscal_year_start_month: 4\n    hours_worked_input: HOURS\n")
    text = replace_once(text, "    end: 2026-01-31\n",
                        "    end: 2026-01-14\n    payment_date: 2026-01-15\n")
    text = replace_once(text, "      formula: gross * 7%\n",
                        "      formula: gross * 7%\n      cap: 500\n      floor: 1\n"
                        "      shortfall: skip\n      condition: gross > 0\n"
                        "      tags: [PRETAX, SOCIAL]\n      name: Social security\n")
    text = replace_once(text, '    salary: "2000"\n',
                        '    salary: "20.5"\n    pay_basis: hourly\n    salary_currency: EUR\n'
                        "    termination_date: 2026-01-10\n    fields: {DEPARTMENT: 007}\n"
                        '    ytd: {GROSS_YTD: "1000.10"}\n    inputs: {HOURS: 40}\n')
    scenario = load_scenario_text(text)
    setup = scenario.setup
    assert setup.currency.code == "JPY"
    assert setup.currency.rounding.mode == "HALF_EVEN"
    assert setup.currency.rounding.minor_unit == Decimal(1)
    payroll_type = setup.payroll_type
    assert payroll_type.periodicity is Periodicity.BIWEEKLY
    assert payroll_type.periods_per_year == 26
    assert payroll_type.proration is ProrationBasis.COMMERCIAL_30
    assert payroll_type.hours_per_day == Decimal("7.5")
    assert payroll_type.fiscal_year_start_month == 4
    assert "HOURS" in setup.inputs
    assert setup.period.payment_date == date(2026, 1, 15)
    ss = setup.concepts[1]
    assert (ss.cap, ss.floor, ss.shortfall) == (Decimal(500), Decimal(1), ShortfallPolicy.SKIP)
    assert ss.condition == "gross > 0"
    assert ss.tags == frozenset({"PRETAX", "SOCIAL"})
    assert ss.name == "Social security"
    employee = scenario.employees[1]
    assert employee.pay_basis is PayBasis.HOURLY
    assert employee.salary_currency == "EUR"
    assert employee.termination_date == date(2026, 1, 10)
    assert employee.fields == {"DEPARTMENT": "007"}  # text fields keep the text as written
    assert employee.ytd == {"GROSS_YTD": Decimal("1000.10")}


def test_inputs_as_a_list_and_typed_custom_fields(base_yaml: str) -> None:
    text = replace_once(base_yaml, '  inputs:\n    OVERTIME_HOURS:\n      default: "0"\n',
                        "  inputs: [OVERTIME_HOURS, BONUS_UNITS]\n")
    text = replace_once(text, '  custom_fields:\n    DEPARTMENT:\n      type: text\n'
                        '      default: ""\n',
                        "  custom_fields:\n    SENIORITY: {type: number, default: 0}\n"
                        "    START: {type: date}\n    UNION: {type: boolean, default: no}\n")
    text = replace_once(text, "    name: Ana\n",
                        "    name: Ana\n    fields: {SENIORITY: 2.5, START: 2020-01-01,"
                        " UNION: yes}\n")
    scenario = load_scenario_text(text)
    assert set(scenario.setup.inputs) == {"OVERTIME_HOURS", "BONUS_UNITS", "ABSENCE_DAYS"}
    fields = scenario.setup.custom_fields
    assert fields["SENIORITY"].default == Decimal(0)
    assert fields["START"].default is None
    assert fields["UNION"].default is False
    assert scenario.employees[0].fields == {
        "SENIORITY": Decimal("2.5"), "START": date(2020, 1, 1), "UNION": True}


def test_employee_ids_and_names_keep_their_text(base_yaml: str) -> None:
    text = replace_once(base_yaml, "  - id: E1\n    name: Ana\n", "  - id: 001\n    name: No\n")
    employee = load_scenario_text(text).employees[0]
    assert employee.id == "001"
    assert employee.name == "No"


def test_expected_block_is_parsed_and_checked(base_yaml: str) -> None:
    text = base_yaml + (
        "    expected:\n"
        "      status: ok\n"
        '      lines: {BASE: "2000.00", SS: "140.00", LOAN: "0"}\n'
        "      exact_lines: true\n"
        '      gross: "2000"\n'
        '      net: "1860.00"\n'
        '      ytd_after: {GROSS_YTD: "2000.00"}\n'
    )
    scenario = load_scenario_text(text)
    expectation = scenario.expectations["E2"]
    assert expectation.lines["SS"] == Decimal("140.00")
    assert expectation.exact_lines
    run = run_scenario(scenario)
    assert run.mismatches == ()
    assert run.checked


def test_run_computes_the_documented_amounts(base_yaml: str) -> None:
    run = run_scenario(load_scenario_text(base_yaml))
    ana, second = run.result.payslips
    assert ana.status is PayslipStatus.OK
    assert ana.line("OVERTIME") == Decimal("187.50")
    assert ana.line("SS") == Decimal("223.13")
    assert ana.line("LOAN") == Decimal("50")
    assert ana.net == Decimal("2914.37")
    assert second.net == Decimal("1860.00")
    assert run.result.totals.net == Decimal("4774.37")
    assert not run.checked


def test_load_from_a_file_names_the_file(tmp_path: Path, base_yaml: str) -> None:
    path = tmp_path / "payroll.yaml"
    path.write_text(base_yaml, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.source == "payroll.yaml"
    nameless = tmp_path / "nameless.yaml"
    nameless.write_text(base_yaml.replace("name: Test scenario\n", ""), encoding="utf-8")
    assert load_scenario(nameless).name == "nameless"


def test_the_demo_scenario_loads_and_meets_its_expectations() -> None:
    demo = Path(__file__).parents[2] / "src" / "coati_payroll" / "examples" / "demo.yaml"
    scenario = load_scenario(demo)
    assert len(scenario.employees) >= 8
    run = run_scenario(scenario)
    assert run.checked
    assert [str(m) for m in run.mismatches] == []
    statuses = {p.employee_id: p.status for p in run.result.payslips}
    assert statuses["E009"] is PayslipStatus.EXCLUDED


def test_undeclared_input_reaches_the_engine_when_a_failure_is_expected(base_yaml: str) -> None:
    text = base_yaml + ('    inputs: {OVERTIME_HRS: "5"}\n    fields: {DEPT: X}\n'
                        "    expected:\n      failure: unknown_input\n")
    scenario = load_scenario_text(text)
    assert scenario.employees[1].inputs == {"OVERTIME_HRS": Decimal("5")}
    run = run_scenario(scenario)
    assert run.mismatches == ()
    failed = run.result.payslips[1]
    assert failed.status is PayslipStatus.ERROR
    assert failed.failure is not None and failed.failure.code == "unknown_input"
