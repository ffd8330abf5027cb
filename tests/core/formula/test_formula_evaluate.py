"""Values: literals, every operator, precedence, every function, if, tables and names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext

import pytest
from formula_support import CHF_SCOPE, SCOPE, D, ev, ev_hits, make_env

from coati_payroll.core.errors import FormulaEvaluationError
from coati_payroll.core.formula import (
    FUNCTIONS,
    StaticScope,
    TableHit,
    ValueType,
    compile_formula,
    parse,
)
from coati_payroll.core.formula import ast as nodes
from coati_payroll.core.money import CALCULATION_CONTEXT, RoundingPolicy


@pytest.mark.parametrize(("source", "expected"), [
    ("12", D(12)), ("12.50", D("12.50")), (".5", D("0.5")), ("0.07", D("0.07")),
    ("7%", D("0.07")), ("7.5%", D("0.075")), ("100%", D(1)), ("0.5%", D("0.005")),
    ("007", D(7)), ("123456789012345678901234567890", D("123456789012345678901234567890")),
])
def test_number_literals_are_exact_decimals(source, expected):
    value = ev(source)
    assert isinstance(value, Decimal) and value == expected
    assert str(ev("7%")) == "0.07"


def test_text_and_boolean_literals():
    assert ev('"SALES"') == "SALES"
    assert ev(r'"say \"hi\" \\ back"') == 'say "hi" \\ back'
    assert ev('""') == ""
    assert ev("true") is True and ev("false") is False


@pytest.mark.parametrize(("source", "expected"), [
    ("1 + 2", 3), ("5 - 8", -3), ("2 * 3.5", 7), ("7 / 2", D("3.5")), ("2 ^ 10", 1024),
    ("-x", -150), ("+x", 150), ("--x", 150), ("4 ^ 0.5", 2), ("2 ^ -2", D("0.25")),
    ("x * 7%", D("10.50")), ("gross * 7.5%", D("112.5")),
    # precedence and associativity
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("10 - 4 - 3", 3), ("100 / 10 / 5", 2),
    ("-2 ^ 2", -4), ("(-2) ^ 2", 4), ("2 ^ 3 ^ 2", 512), ("2 * 3 ^ 2", 18),
    ("-2 ^ -2", D("-0.25")), ("8 - -2", 10), ("2 * -3", -6), ("1 - 2 + 3", 2),
    ("1 / 3 * 3", D("0.9999999999999999999999999999")),
])
def test_arithmetic(source, expected):
    assert ev(source) == expected


def test_arithmetic_uses_calculation_context_precision():
    assert ev("1 / 3") == D("0.3333333333333333333333333333")
    assert ev("x / 7") == D(150) / D(7)


@pytest.mark.parametrize(("source", "expected"), [
    ("x == 150", True), ("x != 150", False), ("x < 151", True), ("x <= 150", True),
    ("x > 150", False), ("x >= 150.00", True), ("1 + 1 == 2", True),
    ("start < end", True), ("start == start", True), ("start >= end", False),
    ("start != end", True), ("start <= date(2024, 1, 15)", True), ("end > start", True),
    ('dept == "SALES"', True), ('dept != "SALES"', False), ('custom.DEPARTMENT == dept', True),
    ("flag == true", True), ("flag != off", True),
])
def test_comparisons(source, expected):
    assert ev(source) is expected


@pytest.mark.parametrize(("source", "expected"), [
    ("flag and off", False), ("flag and flag", True), ("flag or off", True),
    ("off or off", False), ("not flag", False), ("not off", True),
    ("not x > 100", False), ("x > 100 and not off", True),
    ("off and flag or flag", True), ("off and (flag or flag)", False),
    ("flag or flag and off", True), ("not off and off", False),
    ("flag and flag and flag and off", False), ("off or off or off or flag", True),
    ("true and flag", True), ("false and flag", False), ("true or flag", True),
    ("false or off", False), ("not not flag", True),
])
def test_logic(source, expected):
    assert ev(source) is expected


def test_and_or_short_circuit():
    assert ev("off and 1 / zero > 0") is False
    assert ev("flag or 1 / zero > 0") is True
    assert ev("off and flag and 1 / zero > 0") is False
    assert ev("flag or off or 1 / zero > 0") is True
    with pytest.raises(FormulaEvaluationError):
        ev("flag and 1 / zero > 0")


def test_if_evaluates_only_the_chosen_branch():
    assert ev("if(zero == 0, 0, 1 / zero)") == 0
    assert ev("if(x == 0, 0, 1 / x)") == D(1) / D(150)
    assert ev("if(flag, 1, 1 / zero)") == 1
    assert ev("if(off, 1 / zero, 2)") == 2
    assert ev("if(false, 1 / 0, 2)") == 2
    assert ev('if(flag, "A", "B")') == "A"
    assert ev("if(off, start, end)") == date(2024, 3, 14)
    assert ev("if(x > 100, x * 0.1, 0)") == 15
    assert ev("if(x > 200, x * 0.1, 0)") == 0
    assert ev("if(x > 100, 1, 2)") == 1
    assert ev("if(x > 100, x, 2)") == 150
    assert ev("if(x > 100, 2, x)") == 2
    assert ev("if(x > 1, if(x > 100, 3, 2), 1)") == 3


def test_min_max_abs_clamp():
    assert ev("min(3, 1, 2)") == 1 and ev("max(3, 1, 2)") == 3
    assert ev("min(gross * 7%, 100)") == 100
    assert ev("max(start, end)") == date(2024, 3, 14)
    assert ev("min(start, end, date(2020, 1, 1))") == date(2020, 1, 1)
    assert ev("abs(neg)") == 8 and ev("abs(3)") == 3
    assert ev("clamp(x, 0, 100)") == 100 and ev("clamp(neg, 0, 100)") == 0
    assert ev("clamp(50, 0, 100)") == 50
    assert ev("min(" + ", ".join(["x"] * 50) + ")") == 150


def test_round_uses_the_scope_policy():
    assert ev("round(10 / 3)") == D("3.33")
    assert str(ev("round(2.345)")) == "2.35"  # HALF_UP
    assert ev("round(2.345, 1)") == D("2.3")
    assert str(ev("round(2.5, 0)")) == "3"
    assert str(ev("round(1, 2)")) == "1.00"
    assert ev("round(1.02)", scope=CHF_SCOPE) == D("1.00")
    assert ev("round(1.03)", scope=CHF_SCOPE) == D("1.05")
    even = StaticScope(SCOPE.names, SCOPE.tables, RoundingPolicy(D(1), "HALF_EVEN"))
    assert ev("round(2.5)", scope=even) == 2 and ev("round(3.5)", scope=even) == 4
    assert ev("round(2.25, 1)", scope=even) == D("2.2")
    assert ev("round(x / 7, 1 + 1)") == D("21.43")  # constant places may be an expression


def test_floor_and_ceil():
    assert ev("floor(2.7)") == 2 and ev("floor(-2.1)") == -3
    assert ev("ceil(2.1)") == 3 and ev("ceil(-2.7)") == -2
    assert str(ev("ceil(-0.5)")) == "0" and str(ev("floor(0.5)")) == "0"
    assert ev("floor(2.789, 2)") == D("2.78") and ev("ceil(2.781, 2)") == D("2.79")
    assert ev("floor(x / 7, 0)") == 21 and ev("ceil(x / 7, 10)") == D("21.4285714286")


def test_date_functions():
    assert ev("days_between(start, end)") == 59
    assert ev("days_between(end, start)") == -59
    assert ev("days_between(period.start, period.end) + 1") == 31
    assert ev("months_between(start, end)") == 1  # Jan 15 -> Mar 14: one complete month
    assert ev("months_between(date(2024, 1, 15), date(2024, 3, 15))") == 2
    assert ev("months_between(date(2024, 1, 31), date(2024, 2, 29))") == 1  # month-end rule
    assert ev("months_between(date(2024, 1, 31), date(2024, 2, 28))") == 0
    assert ev("months_between(date(2024, 3, 15), date(2024, 1, 15))") == -2
    assert ev("months_between(date(2024, 3, 15), date(2024, 1, 16))") == -1
    assert ev("years_between(employee.hire_date, period.end)") == 6
    assert ev("years_between(date(2020, 2, 29), date(2024, 2, 28))") == 3
    assert ev("years_between(date(2020, 2, 29), date(2024, 2, 29))") == 4
    assert ev("years_between(period.end, employee.hire_date)") == -6
    assert ev("years_between(date(2024, 1, 1), date(2023, 6, 1))") == 0
    assert ev("date(2024, 2, 29)") == date(2024, 2, 29)
    assert ev("date(2000 + z, 1 + z, 3 * z)") == date(2002, 3, 6)
    assert ev("year(start)") == 2024 and ev("month(start)") == 1 and ev("day(start)") == 15
    assert isinstance(ev("year(start)"), Decimal)


@pytest.mark.parametrize("source", [
    "date(2024, 13, 1)", "date(2024, 0, 1)", "date(0, 1, 1)", "date(10000, 1, 1)",
    "date(2024, 1, 1.5)", "date(2023, 2, 29)", "date(2024, 4, 31)", "date(2024, 1, 10 ^ 900)",
])
def test_invalid_dates(source):
    with pytest.raises(FormulaEvaluationError) as info:
        ev(source + " == start")
    assert info.value.code == "invalid_date" and info.value.position == 0


def test_tables_and_hits():
    value, hits = ev_hits('table("INCOME_TAX", y)')
    assert value == D("1500.00")
    assert hits == [TableHit("INCOME_TAX", 2, D(10000), D(50000), D("0.15"), D(0), D(20000),
                             D("1500.00"))]
    value, hits = ev_hits('table_rate("SS_RATES", x) + table("SS_RATES", gross)')
    assert value == D("0.05") + D(5) + D("0.07") * D(1500)
    assert [(h.table, h.row) for h in hits] == [("SS_RATES", 1), ("SS_RATES", 2)]
    value, hits = ev_hits('table("INCOME_TAX", 60000)')
    assert value == 8500 and hits[0].row == 3
    assert ev('table("INCOME_TAX", y)') == 1500  # no TABLE_HITS key: nothing recorded
    value, hits = ev_hits('if(flag, 0, table("INCOME_TAX", y))')
    assert value == 0 and hits == []


def test_outside_table_error():
    with pytest.raises(FormulaEvaluationError) as info:
        ev('1 + table("INCOME_TAX", neg)')
    error = info.value
    assert error.code == "outside_table" and error.position == 4
    assert error.params == {"table": "INCOME_TAX", "value": D(-8)}


def test_names_and_tables_of_the_compiled_formula():
    compiled = compile_formula(
        'if(x > input.OVERTIME_HOURS, table("INCOME_TAX", gross), y + x)'
        ' + table_rate("SS_RATES", gross) + table("INCOME_TAX", 1) + x', SCOPE)
    assert compiled.names == ("x", "input.OVERTIME_HOURS", "gross", "y")
    assert compiled.tables == ("INCOME_TAX", "SS_RATES")
    assert compiled.type == ValueType.NUMBER
    assert compiled.source.startswith("if(")
    assert compile_formula("1 + 2", SCOPE).names == ()
    folded = compile_formula("if(true, x, y)", SCOPE)
    assert folded.names == ("x", "y")  # names of both branches, even when one is folded away


def test_evaluate_reads_only_declared_names():
    compiled = compile_formula("gross * 7%", SCOPE)
    with localcontext(CALCULATION_CONTEXT):
        assert compiled.evaluate({"gross": D(100)}) == 7


def test_constant_folding_keeps_failing_subtrees_for_evaluation():
    compiled = compile_formula("if(flag, 1, 1 / 0)", SCOPE)
    with localcontext(CALCULATION_CONTEXT):
        assert compiled.evaluate(make_env()) == 1
        with pytest.raises(FormulaEvaluationError):
            compiled.evaluate(make_env(flag=False))


def test_keywords_and_function_names_table():
    assert set(FUNCTIONS) == {
        "min", "max", "abs", "round", "floor", "ceil", "clamp", "days_between",
        "months_between", "years_between", "date", "year", "month", "day", "table",
        "table_rate"}


def test_parse_gives_positioned_nodes():
    tree = parse("1 +\n  2 * x")
    assert isinstance(tree, nodes.Chain) and tree.kind == "add"
    link = tree.rest[0]
    assert link.op == "+" and link.op_position == 2
    assert isinstance(link.node, nodes.Chain) and link.node.rest[0].op_position == 8
    assert parse("input.OVERTIME_HOURS") == nodes.Name(0, "input.OVERTIME_HOURS")
    assert parse("7%") == nodes.Number(0, D("0.07"))
    assert parse("if(a, b, c)") == nodes.If(0, nodes.Name(3, "a"), nodes.Name(6, "b"),
                                            nodes.Name(9, "c"))
    assert parse("-2^2") == nodes.Unary(0, "-", nodes.Power(2, nodes.Number(1, D(2)),
                                                            nodes.Number(3, D(2))))


def test_whitespace_and_newlines_are_free():
    assert ev("  gross\n\t*\r\n 7%  ") == 105
    assert ev("min(\n  x,\n  y\n)") == 150
