"""Hostile and random input: only FormulaError escapes, and nothing user-written runs."""

from __future__ import annotations

import builtins
from decimal import localcontext

import pytest
from formula_support import SCOPE, make_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coati_payroll.core.errors import FormulaError
from coati_payroll.core.formula import compile_formula
from coati_payroll.core.money import CALCULATION_CONTEXT


class Sentinel:
    """A value whose every use is recorded: no formula may reach into it."""

    touched = False

    def __getattribute__(self, name: str) -> object:
        type(self).touched = True
        return object.__getattribute__(self, name)


SENTINEL = Sentinel()

TOKENS = [
    "x", "y", "z", "zero", "neg", "gross", "flag", "off", "dept", "start", "end",
    "input.OVERTIME_HOURS", "custom.DEPARTMENT", "period.start", "employee.hire_date",
    "ytd.GROSS", "unknown", "input.NOPE", "foo.bar", "a.b.c", "__class__", "__import__",
    "0", "1", "2", "0.5", ".5", "7%", "1000", "1001", "9", "10", "99999999999999999999",
    '"SALES"', '"x\\"y"', '"', "true", "false", "and", "or", "not", "if",
    "+", "-", "*", "/", "^", "%", "(", ")", ",", ".", "==", "!=", "<", "<=", ">", ">=", "=",
    "!", "min", "max", "abs", "round", "floor", "ceil", "clamp", "days_between",
    "months_between", "years_between", "date", "year", "month", "day", "table",
    "table_rate", '"INCOME_TAX"', '"SS_RATES"', '"NOPE"', "lambda", "import", "[", "]",
    "{", "}", ":", ";", "'", "\\", "@", "#", "\n", " ", "\t", "é", "\x00",
]

HOSTILE = [
    "__import__('os').system('touch /tmp/pwned')", "().__class__.__bases__[0].__subclasses__()",
    "x.__class__", "lambda: 1", "[x for x in y]", "{x: 1}", "exec('1')", "eval(\"1\")",
    "compile(\"1\", \"f\", \"eval\")", "open(\"/etc/passwd\")", "getattr(x, \"y\")",
    "globals()", "sentinel.touched", "sentinel", "sentinel()", "x if flag else y",
    "9^9^9^9", "9^(9^9)", "(10^1000)^(10^1000)", "2^1000^1000", "0^0", "(-1)^0.5",
    "(" * 10000, ")" * 10000, "-" * 10000 + "1", "not " * 1000, "1" * 5000,
    "9" * 30 + "^" + "9" * 30, "0." + "0" * 3000 + "1", "x" * 4001, "\"" * 3, "\\\"",
    "f\"{x}\"", "b\"x\"", "x;y", "x\ny", "1_000", "0x10", "1e999", "1E5", "∞", "½",
    "١٢٣", "ｘ", "x\u200b", "\ufeffx", "min(" + "1," * 60 + "1)", "if(" * 60,
    "table(\"INCOME_TAX\", 10^1000)", "date(10^30, 1, 1)", "round(10^900, 10)",
    "x /* comment */", "x // 2", "x ** 2", "x % 2", "x & y", "x | y", "~x", "x @ y",
]


_TRIP_WIRES = ("eval", "exec", "compile", "__import__", "open", "breakpoint")


def _forbidden(*args: object, **kwargs: object) -> None:
    raise AssertionError("a formula reached a forbidden builtin")


def _run(source: str) -> None:
    """Compile and evaluate ``source`` with trip wires on dangerous builtins."""
    saved = {name: getattr(builtins, name) for name in _TRIP_WIRES}
    Sentinel.touched = False
    for name in _TRIP_WIRES:
        setattr(builtins, name, _forbidden)
    try:
        _compile_and_evaluate(source)
    finally:
        for name, value in saved.items():
            setattr(builtins, name, value)
    assert not Sentinel.touched


def _compile_and_evaluate(source: str) -> None:
    try:
        compiled = compile_formula(source, SCOPE, expected=None)
    except FormulaError as error:
        assert error.source == source
        assert 0 <= error.position <= len(source)
        str(error)  # renders
        return
    env = make_env()
    env["sentinel"] = SENTINEL
    with localcontext(CALCULATION_CONTEXT):
        try:
            compiled.evaluate(env)
        except FormulaError as error:
            assert error.source == source


@pytest.mark.parametrize("source", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text(source):
    _run(source)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_random_unicode(source):
    _run(source)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_token_soup(source):
    _run(source)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_token_soup_without_spaces(source):
    _run(source)


_NUMBERS = st.sampled_from(["x", "y", "z", "zero", "neg", "0", "1", "2.5", "7%", "1000",
                            "ytd.GROSS", "employee.years_of_service"])


def _numeric(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^"]), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})")
    calls = st.tuples(st.sampled_from(["min", "max"]), children, children).map(
        lambda t: f"{t[0]}({t[1]}, {t[2]})")
    unary = st.tuples(st.sampled_from(["abs", "round", "floor", "ceil"]), children).map(
        lambda t: f"{t[0]}({t[1]})")
    cond = st.tuples(children, st.sampled_from(["<", ">=", "=="]), children, children,
                     children).map(lambda t: f"if({t[0]} {t[1]} {t[2]}, {t[3]}, {t[4]})")
    table = children.map(lambda c: f'table("INCOME_TAX", {c})')
    return st.one_of(binary, calls, unary, cond, table, children.map(lambda c: f"-{c}"))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(_NUMBERS, _numeric, max_leaves=25))
def test_well_formed_numeric_formulas_compile_and_only_raise_formula_errors(source):
    compiled = compile_formula(source, SCOPE)
    assert compiled.type.value == "number"
    with localcontext(CALCULATION_CONTEXT):
        try:
            compiled.evaluate(make_env())
        except FormulaError as error:
            assert error.source == source
            assert error.code in {"division_by_zero", "exponent_out_of_range", "overflow",
                                  "invalid_operation", "outside_table"}
