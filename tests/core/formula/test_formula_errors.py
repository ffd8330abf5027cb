"""Every error code, with its class and exact position (offset, line and column)."""

from __future__ import annotations

from decimal import localcontext

import pytest
from formula_support import SCOPE, make_env

from coati_payroll.core.errors import (
    FormulaError,
    FormulaEvaluationError,
    FormulaLimitError,
    FormulaNameError,
    FormulaSyntaxError,
    FormulaTypeError,
    PayrollError,
)
from coati_payroll.core.formula import ValueType, compile_formula
from coati_payroll.core.money import CALCULATION_CONTEXT

COMPILE_ERRORS = [
    # syntax
    ("gross *", FormulaSyntaxError, "unexpected_end", 7),
    ("", FormulaSyntaxError, "unexpected_end", 0),
    ("   ", FormulaSyntaxError, "unexpected_end", 0),
    ("(gross", FormulaSyntaxError, "unexpected_end", 6),
    ("min(1, 2", FormulaSyntaxError, "unexpected_end", 8),
    ("1 2", FormulaSyntaxError, "unexpected_token", 2),
    ("gross = 1", FormulaSyntaxError, "unexpected_token", 6),
    ("gross $ 2", FormulaSyntaxError, "unexpected_token", 6),
    ("'SALES'", FormulaSyntaxError, "unexpected_token", 0),
    ("x % 2", FormulaSyntaxError, "unexpected_token", 2),
    ("(7)%", FormulaSyntaxError, "unexpected_token", 3),
    ("12.", FormulaSyntaxError, "unexpected_token", 3),
    ("1e5", FormulaSyntaxError, "unexpected_token", 1),
    ("x ! y", FormulaSyntaxError, "unexpected_token", 2),
    ("round(x, places=2)", FormulaSyntaxError, "unexpected_token", 15),
    ("if x", FormulaSyntaxError, "unexpected_token", 3),
    ("x and", FormulaSyntaxError, "unexpected_end", 5),
    ("(x\n", FormulaSyntaxError, "unexpected_end", 2),
    ("gross *  \n\n", FormulaSyntaxError, "unexpected_end", 7),
    ("not", FormulaSyntaxError, "unexpected_end", 3),
    ("1 +\n  * 2", FormulaSyntaxError, "unexpected_token", 6),
    ('"SALES', FormulaSyntaxError, "unterminated_string", 0),
    ('dept == "SA\nLES"', FormulaSyntaxError, "unterminated_string", 8),
    ('"a\\n"', FormulaSyntaxError, "invalid_escape", 2),
    ("x < y < z", FormulaSyntaxError, "chained_comparison", 6),
    ("x == y != z", FormulaSyntaxError, "chained_comparison", 7),
    # names
    ("gros", FormulaNameError, "unknown_name", 0),
    ("1 + input.OVERTIME", FormulaNameError, "unknown_name", 4),
    ("gross + foo.bar", FormulaNameError, "attribute_access", 11),
    ("period.start.year", FormulaNameError, "attribute_access", 12),
    ("(x).y", FormulaNameError, "attribute_access", 3),
    ('"a".upper', FormulaNameError, "attribute_access", 3),
    ("__import__('os')", FormulaNameError, "dunder_name", 0),
    ("x.__class__", FormulaNameError, "dunder_name", 2),
    ("().__class__", FormulaNameError, "dunder_name", 3),
    ("input.__dict__", FormulaNameError, "dunder_name", 6),
    ("1 + __x", FormulaNameError, "dunder_name", 4),
    ("foo(1)", FormulaNameError, "unknown_function", 0),
    ("eval(1)", FormulaNameError, "unknown_function", 0),
    ("2 * gross(1)", FormulaNameError, "not_callable", 4),
    ("input.OVERTIME_HOURS(1)", FormulaNameError, "not_callable", 0),
    ('table("NOPE", x)', FormulaNameError, "unknown_table", 6),
    ("round", FormulaNameError, "unknown_name", 0),
    ("x > 1 AND flag", FormulaSyntaxError, "unexpected_token", 6),
    ("TRUE", FormulaNameError, "unknown_name", 0),
    # types
    ('gross + "a"', FormulaTypeError, "wrong_type", 8),
    ("flag * 2", FormulaTypeError, "wrong_type", 0),
    ("-flag", FormulaTypeError, "wrong_type", 1),
    ("not x", FormulaTypeError, "wrong_type", 4),
    ("x and flag", FormulaTypeError, "wrong_type", 0),
    ("flag or x", FormulaTypeError, "wrong_type", 8),
    ("period.end - period.start", FormulaTypeError, "wrong_type", 11),
    ("period.end + 1", FormulaTypeError, "wrong_type", 0),
    ("x == dept", FormulaTypeError, "wrong_type", 5),
    ('dept < "Z"', FormulaTypeError, "wrong_type", 5),
    ("flag >= off", FormulaTypeError, "wrong_type", 5),
    ("2 ^ flag", FormulaTypeError, "wrong_type", 4),
    ("if(x, 1, 2)", FormulaTypeError, "wrong_type", 3),
    ("if(flag, 1, dept)", FormulaTypeError, "wrong_type", 12),
    ("min(x, start)", FormulaTypeError, "wrong_type", 7),
    ("max(flag, off)", FormulaTypeError, "wrong_type", 4),
    ("abs(dept)", FormulaTypeError, "wrong_type", 4),
    ("days_between(x, end)", FormulaTypeError, "wrong_type", 13),
    ("table(dept, x)", FormulaTypeError, "wrong_type", 6),
    ('table("INCOME_TAX", start)', FormulaTypeError, "wrong_type", 20),
    ("round(x, z)", FormulaTypeError, "constant_required", 9),
    ("min(x)", FormulaTypeError, "argument_count", 0),
    ("abs(x, y)", FormulaTypeError, "argument_count", 0),
    ("1 + round()", FormulaTypeError, "argument_count", 4),
    ("if(flag, 1)", FormulaTypeError, "argument_count", 0),
    ("date(2024, 1)", FormulaTypeError, "argument_count", 0),
    # limits
    ("1" * 31, FormulaLimitError, "number_too_large", 0),
    ("x + 1234567890.123456789012345678901", FormulaLimitError, "number_too_large", 4),
    ("x + 123456789012345678901234567890.1%", FormulaLimitError, "number_too_large", 4),
    ("x " * 2000 + "+", FormulaLimitError, "too_long", 4000),
    ("(" * 51 + "1" + ")" * 51, FormulaLimitError, "too_deep", 50),
    ("-" * 51 + "1", FormulaLimitError, "too_deep", 50),
    ("not " * 51 + "flag", FormulaLimitError, "too_deep", 200),
    ("abs(" * 51 + "1" + ")" * 51, FormulaLimitError, "too_deep", 200),
    ("min(" + ", ".join(["1"] * 51) + ")", FormulaLimitError, "too_many_arguments", 154),
    ("9^9^9^9", FormulaLimitError, "exponent_out_of_range", 3),
    ("x ^ 1001", FormulaLimitError, "exponent_out_of_range", 2),
    ("x ^ -1000.5", FormulaLimitError, "exponent_out_of_range", 2),
    ("(-8) ^ 0.5", FormulaLimitError, "exponent_out_of_range", 5),
    ("round(x, 11)", FormulaLimitError, "places_out_of_range", 9),
    ("floor(x, 1.5)", FormulaLimitError, "places_out_of_range", 9),
    ("ceil(x, -1)", FormulaLimitError, "places_out_of_range", 8),
]


def _line_column(source: str, position: int) -> tuple[int, int]:
    before = source[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


@pytest.mark.parametrize(("source", "cls", "code", "position"), COMPILE_ERRORS,
                         ids=[repr(c[0][:30]) for c in COMPILE_ERRORS])
def test_compile_error(source, cls, code, position):
    with pytest.raises(cls) as info:
        compile_formula(source, SCOPE, expected=None)
    error = info.value
    assert (error.code, error.position) == (code, position), str(error)
    assert error.source == source
    assert (error.line, error.column) == _line_column(source, position)
    assert isinstance(error, FormulaError) and isinstance(error, PayrollError)
    assert error.message


EVALUATION_ERRORS = [
    ("x / zero", "division_by_zero", 2),
    ("1 / 0", "division_by_zero", 2),
    ("zero / zero", "division_by_zero", 5),
    ("x + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 / zero", "division_by_zero", 43),
    ("zero ^ -1", "division_by_zero", 5),
    ("zero ^ (z * -1)", "division_by_zero", 5),
    ("neg ^ 0.5", "exponent_out_of_range", 4),
    ("x ^ y", "exponent_out_of_range", 2),
    ("zero ^ 0", "invalid_operation", 5),
    ("(10 ^ 1000) ^ 1000", "overflow", 12),
    ("(10 ^ 1000) ^ 999 * 10 ^ 1000 * 10 ^ 1000", "overflow", 18),
    ("round(x * 10 ^ 30)", "invalid_operation", 0),
    ('1 + table("INCOME_TAX", neg)', "outside_table", 4),
    ('table_rate("SS_RATES", 3000)', "outside_table", 0),
    ("date(2023, 2, 29) == start", "invalid_date", 0),
    ("year(date(2024, z * 7, 1))", "invalid_date", 5),
    ("clamp(x, 10, 1)", "invalid_argument", 0),
    ("if(zero == 0, 1 / zero, 0)", "division_by_zero", 16),
]


@pytest.mark.parametrize(("source", "code", "position"), EVALUATION_ERRORS)
def test_evaluation_error(source, code, position):
    compiled = compile_formula(source, SCOPE, expected=None)
    with localcontext(CALCULATION_CONTEXT), pytest.raises(FormulaEvaluationError) as info:
        compiled.evaluate(make_env())
    assert (info.value.code, info.value.position) == (code, position), str(info.value)
    assert info.value.source == source


def test_wrong_result_type():
    with pytest.raises(FormulaTypeError) as info:
        compile_formula("  gross * 2", SCOPE, expected=ValueType.BOOLEAN)
    assert info.value.code == "wrong_type" and info.value.position == 2
    assert info.value.params["expected"] == ValueType.BOOLEAN
    with pytest.raises(FormulaTypeError):
        compile_formula("x > 1", SCOPE)  # default: a number
    assert compile_formula("x > 1", SCOPE, expected=ValueType.BOOLEAN).type == ValueType.BOOLEAN


def test_multi_line_position_and_caret():
    source = "gross * 7%\n  + min(x,\n        dept)"
    with pytest.raises(FormulaTypeError) as info:
        compile_formula(source, SCOPE)
    error = info.value
    assert (error.line, error.column) == (3, 9)
    assert str(error) == (
        "min needs a number here, not text (at line 3, column 9)\n"
        "          dept)\n"
        "          ^"
    )


def test_messages_and_params():
    with pytest.raises(FormulaNameError) as info:
        compile_formula("gros * 2", SCOPE)
    assert "did you mean gross?" in info.value.message
    assert info.value.params["name"] == "gros"
    with pytest.raises(FormulaNameError) as info:
        compile_formula("input.OVERTIME_HOUR", SCOPE)
    assert info.value.message.startswith("unknown name OVERTIME_HOUR in namespace input")
    assert info.value.params["namespace"] == "input"
    with pytest.raises(FormulaNameError) as info:
        compile_formula("flor(x)", SCOPE)
    assert "did you mean floor?" in info.value.message
    with pytest.raises(FormulaSyntaxError) as info:
        compile_formula("x = 1", SCOPE)
    assert "==" in info.value.message and info.value.params["suggestion"] == "=="
    with pytest.raises(FormulaTypeError) as info:
        compile_formula("period.end - period.start", SCOPE)
    assert "days_between" in info.value.message
    with pytest.raises(FormulaTypeError) as info:
        compile_formula("round(x, 1, 2)", SCOPE)
    assert info.value.params == {"function": "round", "given": 3,
                                 "usage": "round(x) or round(x, places)"}
    with pytest.raises(FormulaLimitError) as info:
        compile_formula("x" * 4001, SCOPE)
    assert info.value.params == {"length": 4001, "limit": 4000}


def test_deep_input_never_reaches_recursion_limit():
    for source in ("(" * 3999, "-" * 3999 + "1", "not " * 999 + "flag", "2^" * 1999 + "2",
                   "abs(" * 800, "(" * 10000):
        with pytest.raises(FormulaLimitError) as info:
            compile_formula(source, SCOPE, expected=None)
        assert info.value.code in ("too_deep", "too_long")


def test_nesting_at_the_limit_is_accepted():
    from coati_payroll.core.formula import MAX_DEPTH
    source = "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    assert compile_formula(source, SCOPE).names == ("x",)


def test_long_flat_sums_are_not_deep():
    source = " + ".join(["x"] * 1000)  # 3997 characters
    compiled = compile_formula(source, SCOPE)
    with localcontext(CALCULATION_CONTEXT):
        assert compiled.evaluate(make_env()) == 150 * 1000
