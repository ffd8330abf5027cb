"""Every kind of bad input is a ScenarioError naming the file, the line and the key path."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_helpers import BASE_YAML, line_of, load_error, replace_once

from coati_payroll.scenario import ScenarioError, load_scenario
from coati_payroll.scenario.schema import Problem


def only_problem(text: str) -> Problem:
    error = load_error(text)
    assert len(error.problems) == 1, str(error)
    return error.problems[0]


def assert_problem(text: str, line: int, path: str, *fragments: str) -> str:
    problem = only_problem(text)
    message = str(load_error(text))
    assert (problem.line, problem.path) == (line, path), message
    assert message.startswith(f"t.yaml:{line}: {path}: "), message
    for fragment in fragments:
        assert fragment in problem.message, message
    return message


def test_unknown_key_names_its_line_and_path() -> None:
    text = replace_once(BASE_YAML, '    salary: "2000"\n', '    salary: "2000"\n    salry: 1\n')
    assert_problem(text, line_of(text, "salry"), "employees[1].salry", "unknown key",
                   "salary")


def test_unknown_top_level_and_setup_keys() -> None:
    text = BASE_YAML.replace("description: two employees\n", "descripton: x\n")
    assert_problem(text, 2, "descripton", "unknown key")
    text = replace_once(BASE_YAML, "  currency: USD\n", "  currency: USD\n  curency: EUR\n")
    assert_problem(text, 5, "setup.curency", "unknown key")


def test_missing_required_key_names_the_mapping() -> None:
    text = replace_once(BASE_YAML, '    hire_date: 2020-01-01\n    salary: "2000"\n',
                        "    hire_date: 2020-01-01\n")
    assert_problem(text, line_of(text, "- id: E2"), "employees[1]",
                   "missing required key 'salary'")


def test_required_key_given_as_null() -> None:
    text = replace_once(BASE_YAML, '    salary: "2000"\n', "    salary:\n")
    assert_problem(text, line_of(text, "    salary:", 2), "employees[1].salary",
                   "must not be empty")


def test_non_numeric_amount() -> None:
    text = replace_once(BASE_YAML, '    salary: "2000"\n', "    salary: abc\n")
    message = assert_problem(text, line_of(text, "salary: abc"), "employees[1].salary")
    assert message == f"t.yaml:{line_of(text, 'salary: abc')}: employees[1].salary: " \
                      "'abc' is not a decimal amount"


@pytest.mark.parametrize("value", ["yes", ".inf", "1:30.5", "2020-01-01", "1,000.00"])
def test_things_that_are_not_amounts(value: str) -> None:
    text = replace_once(BASE_YAML, '    salary: "2000"\n', f"    salary: {value}\n")
    assert_problem(text, line_of(text, f"salary: {value}"), "employees[1].salary",
                   "is not a decimal amount")


def test_negative_salary_and_non_positive_exchange_rate() -> None:
    text = replace_once(BASE_YAML, '    salary: "2000"\n', "    salary: -5\n")
    assert_problem(text, line_of(text, "salary: -5"), "employees[1].salary", "negative")
    text = replace_once(BASE_YAML, '    EUR: "1.10"\n', "    EUR: 0\n")
    assert_problem(text, line_of(text, "EUR: 0"), "setup.exchange_rates.EUR",
                   "greater than zero")


def test_wrong_container_types() -> None:
    text = replace_once(BASE_YAML, '    salary: "2000"\n', "    salary: [1, 2]\n")
    assert_problem(text, line_of(text, "salary: [1, 2]"), "employees[1].salary",
                   "expected a decimal amount, got a list")
    text = BASE_YAML.split("employees:\n")[0] + "employees: {a: 1}\n"
    assert_problem(text, line_of(text, "employees:"), "employees",
                   "expected a list, got a mapping")
    text = replace_once(BASE_YAML, "    priority: 1\n", "    priority: {a: 1}\n")
    assert_problem(text, line_of(text, "priority: {a: 1}"), "setup.concepts[1].priority",
                   "expected a whole number, got a mapping")


def test_bad_enum_lists_the_choices() -> None:
    text = replace_once(BASE_YAML, "      kind: earning\n", "      kind: bonus\n")
    assert_problem(text, line_of(text, "kind: bonus"), "setup.concepts[0].kind",
                   "'bonus' is not one of: earning, deduction, employer")
    text = replace_once(BASE_YAML, "    periodicity: monthly\n",
                        "    periodicity: fortnightly\n")
    assert_problem(text, line_of(text, "fortnightly"), "setup.payroll_type.periodicity",
                   "semi_monthly")


def test_bad_rounding_mode_and_currency_code() -> None:
    text = replace_once(BASE_YAML, "  currency: USD\n",
                        "  currency: {code: USD, rounding: BANKERS}\n")
    assert_problem(text, 4, "setup.currency.rounding", "'BANKERS' is not one of")
    text = replace_once(BASE_YAML, "  currency: USD\n", "  currency: dollars\n")
    assert_problem(text, 4, "setup.currency", "not a currency code")


@pytest.mark.parametrize("value", ["2020-02-30", "yesterday", "2020-01-01 10:00:00", "20200101"])
def test_bad_dates(value: str) -> None:
    text = replace_once(BASE_YAML, "    hire_date: 2020-01-01\n    salary: \"2000\"",
                        f"    hire_date: {value}\n    salary: \"2000\"")
    assert_problem(text, line_of(text, f"hire_date: {value}"), "employees[1].hire_date",
                   "date")


def test_period_that_ends_before_it_starts() -> None:
    text = replace_once(BASE_YAML, "    end: 2026-01-31\n", "    end: 2025-12-31\n")
    assert_problem(text, line_of(text, "end: 2025-12-31"), "setup.period.end",
                   "before it starts")


def test_out_of_range_integer() -> None:
    text = replace_once(BASE_YAML, "    periodicity: monthly\n",
                        "    periodicity: monthly\n    fiscal_year_start_month: 13\n")
    assert_problem(text, line_of(text, "fiscal_year_start_month"),
                   "setup.payroll_type.fiscal_year_start_month", "out of range")


def test_duplicate_employee_ids() -> None:
    text = replace_once(BASE_YAML, "  - id: E2\n", "  - id: E1\n")
    assert_problem(text, line_of(text, "- id: E1", 2), "employees[1].id",
                   "duplicate employee id 'E1'", f"line {line_of(text, '- id: E1')}")


def test_duplicate_concept_codes() -> None:
    text = replace_once(BASE_YAML, "    - code: SS\n", "    - code: OVERTIME\n")
    assert_problem(text, line_of(text, "- code: OVERTIME", 2), "setup.concepts[1].code",
                   "duplicate concept code 'OVERTIME'")


def test_invalid_concept_code() -> None:
    text = replace_once(BASE_YAML, "    - code: SS\n", "    - code: 2SS\n")
    assert_problem(text, line_of(text, "code: 2SS"), "setup.concepts[1].code",
                   "not a valid concept code")


def test_loan_naming_a_concept_that_is_not_a_loan() -> None:
    text = replace_once(BASE_YAML, "        concept: LOAN\n", "        concept: SS\n")
    assert_problem(text, line_of(text, "concept: SS"), "employees[0].loans[0].concept",
                   "'SS' is not a loan deduction", "LOAN")


def test_loan_on_a_concept_that_is_not_a_deduction() -> None:
    text = replace_once(BASE_YAML, "      formula: input.OVERTIME_HOURS * hourly_rate * 1.5\n",
                        "      formula: input.OVERTIME_HOURS * hourly_rate * 1.5\n"
                        "      loan: true\n")
    assert_problem(text, line_of(text, "loan: true"), "setup.concepts[0].loan",
                   "only a deduction")


def test_undeclared_input() -> None:
    text = replace_once(BASE_YAML, '      OVERTIME_HOURS: "10"\n', '      OVERTIME_HRS: "10"\n')
    assert_problem(text, line_of(text, "OVERTIME_HRS"), "employees[0].inputs.OVERTIME_HRS",
                   "not a declared input", "OVERTIME_HOURS")


def test_undeclared_custom_field() -> None:
    text = replace_once(BASE_YAML, "    name: Ana\n", "    name: Ana\n    fields: {DEPT: X}\n")
    assert_problem(text, line_of(text, "fields: {DEPT"), "employees[0].fields.DEPT",
                   "not a declared custom field")


def test_custom_field_value_of_the_wrong_type() -> None:
    text = replace_once(BASE_YAML, "      type: text\n      default: \"\"\n",
                        "      type: number\n      default: 0\n")
    text = replace_once(text, "    name: Ana\n", "    name: Ana\n    fields:\n"
                        "      DEPARTMENT: sales\n")
    assert_problem(text, line_of(text, "DEPARTMENT: sales"), "employees[0].fields.DEPARTMENT",
                   "not a decimal amount")


def test_undeclared_accumulator_in_ytd() -> None:
    text = replace_once(BASE_YAML, "    name: Ana\n", "    name: Ana\n    ytd: {NET_YTD: 1}\n")
    assert_problem(text, line_of(text, "NET_YTD"), "employees[0].ytd.NET_YTD",
                   "not a declared accumulator")


def test_table_with_a_gap_points_at_the_row() -> None:
    text = replace_once(BASE_YAML, '{lower: "1000", upper: null',
                        '{lower: "1500", upper: null')
    assert_problem(text, line_of(text, 'lower: "1500"'), "setup.tables.TAX.rows[1]",
                   "contiguous", "gap")


def test_table_with_an_unknown_kind_and_no_rows() -> None:
    text = replace_once(BASE_YAML, "      kind: progressive\n", "      kind: stepped\n")
    assert_problem(text, line_of(text, "kind: stepped"), "setup.tables.TAX.kind",
                   "'stepped' is not one of: progressive, flat")
    text = replace_once(BASE_YAML, "      rows:\n        - {lower: \"0\", upper: \"1000\", "
                        "rate: \"0\"}\n        - {lower: \"1000\", upper: null, "
                        "rate: \"0.10\"}\n", "      rows: []\n")
    assert_problem(text, line_of(text, "rows: []"), "setup.tables.TAX.rows", "at least one row")


def test_formula_that_does_not_compile_points_into_the_formula() -> None:
    text = replace_once(BASE_YAML, "      formula: gross * 7%\n", "      formula: gros * 7%\n")
    message = assert_problem(text, line_of(text, "gros * 7%"), "setup.concepts[1].formula",
                             "formula line 1, column 1")
    assert "gros" in message
    assert "\n    gros * 7%\n    ^" in message


def test_formula_error_column_inside_the_formula() -> None:
    text = replace_once(BASE_YAML, "      formula: gross * 7%\n",
                        "      formula: gross * (7% +\n")
    problem = only_problem(text)
    assert problem.line == line_of(text, "gross * (7% +")
    assert problem.path == "setup.concepts[1].formula"
    assert "formula line 1, column" in problem.message


def test_formula_error_in_a_literal_block_gets_its_own_file_line() -> None:
    text = replace_once(BASE_YAML, "      formula: gross * 7%\n",
                        "      formula: |\n        gross * 7%\n          + unknown_name\n")
    problem = only_problem(text)
    assert problem.line == line_of(text, "+ unknown_name")
    assert "formula line 2" in problem.message


def test_condition_that_is_not_boolean() -> None:
    text = replace_once(BASE_YAML, "      formula: gross * 7%\n",
                        "      formula: gross * 7%\n      condition: gross + 1\n")
    assert_problem(text, line_of(text, "condition: gross + 1"), "setup.concepts[1].condition")


def test_accumulator_formula_error_points_at_the_accumulator() -> None:
    text = replace_once(BASE_YAML, "      amount: gross\n", "      amount: grosss\n")
    assert_problem(text, line_of(text, "amount: grosss"), "setup.accumulators[0].amount",
                   "formula line 1, column 1")


def test_configuration_error_from_the_engine_points_at_the_concept() -> None:
    text = replace_once(BASE_YAML, "      formula: gross * 7%\n", "      formula: LOAN * 0\n")
    problem = only_problem(text)
    assert problem.line == line_of(text, "- code: SS")
    assert problem.path == "setup.concepts[1]"
    assert "applied later" in problem.message


def test_expected_block_with_unknown_line_code() -> None:
    text = BASE_YAML + "    expected:\n      lines: {S: \"1\"}\n"
    assert_problem(text, line_of(text, "lines: {S"), "employees[1].expected.lines.S",
                   "'S' is not a concept code")


def test_expected_failure_contradicting_status() -> None:
    text = BASE_YAML + "    expected:\n      status: ok\n      failure: boom\n"
    assert_problem(text, line_of(text, "failure: boom"), "employees[1].expected.failure",
                   "status must be error")


def test_expected_loan_balance_for_an_unknown_loan() -> None:
    text = BASE_YAML + "    expected:\n      loan_balances: {L1: 0}\n"
    assert_problem(text, line_of(text, "loan_balances"), "employees[1].expected.loan_balances.L1",
                   "not a loan id of this employee")


def test_several_mistakes_are_reported_together() -> None:
    text = replace_once(BASE_YAML, '    salary: "3000"\n', "    salary: three\n")
    text = replace_once(text, '    salary: "2000"\n', "    salary: two\n")
    error = load_error(text)
    assert [(p.line, p.path) for p in error.problems] == [
        (line_of(text, "salary: three"), "employees[0].salary"),
        (line_of(text, "salary: two"), "employees[1].salary"),
    ]
    assert len(str(error).splitlines()) == 2


def test_invalid_yaml_and_yaml_refusals() -> None:
    problem = only_problem(BASE_YAML.replace("  period:\n", "  period: [\n"))
    assert problem.line > 0
    assert "invalid YAML" in problem.message
    text = replace_once(BASE_YAML, "    name: Ana\n", "    name: Ana\n    name: Bea\n")
    problem = only_problem(text)
    assert problem.line == line_of(text, "name: Bea")
    assert "duplicate key 'name'" in problem.message


def test_empty_file_and_non_mapping_document() -> None:
    assert "empty" in only_problem("").message
    problem = only_problem("- a\n- b\n")
    assert "expected a mapping, got a list" in problem.message


def test_missing_file_section() -> None:
    problem = only_problem("name: x\nsetup:\n  currency: USD\n")
    assert problem.message == "missing required key 'employees'"


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith("binary.yaml: cannot read the file")


def test_dependency_cycle_points_at_a_concept_of_the_cycle() -> None:
    text = replace_once(BASE_YAML, "      formula: input.OVERTIME_HOURS * hourly_rate * 1.5\n",
                        "      formula: BONUS + 1\n    - code: BONUS\n      kind: earning\n"
                        "      formula: OVERTIME + 1\n")
    problem = only_problem(text)
    assert problem.line in (line_of(text, "- code: OVERTIME"), line_of(text, "- code: BONUS"))
    assert problem.path in ("setup.concepts[0]", "setup.concepts[1]")
    assert "cycle" in problem.message


def test_reserved_concept_code_is_reported_by_the_engine_at_the_concept() -> None:
    text = replace_once(BASE_YAML, "    - code: SS\n", "    - code: gross\n")
    problem = only_problem(text)
    assert (problem.line, problem.path) == (line_of(text, "- code: gross"), "setup.concepts[1]")
    assert "reserved" in problem.message
