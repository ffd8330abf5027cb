"""The whitelist of formula functions: their signatures and their pure implementations.

Nothing outside :data:`FUNCTIONS` can be called. The special forms (``if``, which evaluates only
the chosen branch, and ``table``/``table_rate``, whose first argument is a table name) are
compiled by :mod:`coati_payroll.core.formula.compile`; ``round``, ``floor`` and ``ceil`` take an
optional constant number of decimal places.

Implementations take and return language values (``Decimal``, ``date``) and raise
:class:`FunctionValueError` for values outside their domain (an invalid date, ``clamp`` with
``low > high``); the compiler turns it into a positioned
:class:`~coati_payroll.core.errors.FormulaEvaluationError`. ``decimal`` signals propagate as
``ArithmeticError`` and are converted the same way.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Final

from coati_payroll.core.dates import complete_months, complete_years
from coati_payroll.core.errors import FormulaEvaluationError, FormulaLimitError
from coati_payroll.core.formula.scope import ValueType

NUMBER: Final = ValueType.NUMBER
DATE: Final = ValueType.DATE
TEXT: Final = ValueType.TEXT

#: Largest number of decimal places ``round``, ``floor`` and ``ceil`` accept.
MAX_PLACES: Final = 10

_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)


class FunctionValueError(Exception):
    """A function argument outside the function's domain (converted to a positioned error)."""

    def __init__(self, message: str, code: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class Function:
    """One whitelisted function.

    ``params`` are the argument types; ``variadic`` functions (``min``, ``max``) take two or
    more arguments of one type among ``params``. ``optional`` is how many trailing ``params``
    may be left out. ``usage`` is shown in argument-count errors.
    """

    name: str
    params: tuple[ValueType, ...]
    result: ValueType | None
    usage: str
    implementation: Callable[..., Any] | None = None
    optional: int = 0
    variadic: bool = False


def _abs(x: Decimal) -> Decimal:
    return abs(x)


def _no_negative_zero(x: Decimal) -> Decimal:
    return x + _ZERO if x.is_zero() else x


def floor_places(x: Decimal, places: int | None = None) -> Decimal:
    """Largest value with ``places`` decimals (default 0) not above ``x``."""
    if places is None:
        return _no_negative_zero(x.to_integral_value(rounding=ROUND_FLOOR))
    return _no_negative_zero(x.quantize(_ONE.scaleb(-places), rounding=ROUND_FLOOR))


def ceil_places(x: Decimal, places: int | None = None) -> Decimal:
    """Smallest value with ``places`` decimals (default 0) not below ``x``."""
    if places is None:
        return _no_negative_zero(x.to_integral_value(rounding=ROUND_CEILING))
    return _no_negative_zero(x.quantize(_ONE.scaleb(-places), rounding=ROUND_CEILING))


def _clamp(x: Decimal, low: Decimal, high: Decimal) -> Decimal:
    if low > high:
        raise FunctionValueError(
            f"clamp needs low <= high, got low {low} and high {high}", "invalid_argument",
            function="clamp", low=low, high=high)
    if x < low:
        return low
    if x > high:
        return high
    return x


def _days_between(start: datetime.date, end: datetime.date) -> Decimal:
    return Decimal((end - start).days)


def _months_between(start: datetime.date, end: datetime.date) -> Decimal:
    return Decimal(complete_months(start, end))


def _years_between(start: datetime.date, end: datetime.date) -> Decimal:
    return Decimal(complete_years(start, end))


def _integer_in(value: Decimal, low: int, high: int, what: str) -> int:
    if not (low <= value <= high) or value != value.to_integral_value():
        raise FunctionValueError(
            f"date(): {what} must be a whole number from {low} to {high}, not {value}",
            "invalid_date", part=what, value=value)
    return int(value)


def _date(year: Decimal, month: Decimal, day: Decimal) -> datetime.date:
    y = _integer_in(year, 1, 9999, "year")
    m = _integer_in(month, 1, 12, "month")
    d = _integer_in(day, 1, 31, "day")
    try:
        return datetime.date(y, m, d)
    except ValueError:
        raise FunctionValueError(
            f"date({y}, {m}, {d}) does not exist", "invalid_date",
            year=y, month=m, day=d) from None


def _year(d: datetime.date) -> Decimal:
    return Decimal(d.year)


def _month(d: datetime.date) -> Decimal:
    return Decimal(d.month)


def _day(d: datetime.date) -> Decimal:
    return Decimal(d.day)


FUNCTIONS: Final[dict[str, Function]] = {
    f.name: f
    for f in (
        Function("min", (NUMBER, DATE), None, "min(a, b, ...)", min, variadic=True),
        Function("max", (NUMBER, DATE), None, "max(a, b, ...)", max, variadic=True),
        Function("abs", (NUMBER,), NUMBER, "abs(x)", _abs),
        Function("round", (NUMBER, NUMBER), NUMBER, "round(x) or round(x, places)",
                 optional=1),
        Function("floor", (NUMBER, NUMBER), NUMBER, "floor(x) or floor(x, places)",
                 floor_places, optional=1),
        Function("ceil", (NUMBER, NUMBER), NUMBER, "ceil(x) or ceil(x, places)",
                 ceil_places, optional=1),
        Function("clamp", (NUMBER, NUMBER, NUMBER), NUMBER, "clamp(x, low, high)", _clamp),
        Function("days_between", (DATE, DATE), NUMBER, "days_between(start, end)",
                 _days_between),
        Function("months_between", (DATE, DATE), NUMBER, "months_between(start, end)",
                 _months_between),
        Function("years_between", (DATE, DATE), NUMBER, "years_between(start, end)",
                 _years_between),
        Function("date", (NUMBER, NUMBER, NUMBER), DATE, "date(year, month, day)", _date),
        Function("year", (DATE,), NUMBER, "year(d)", _year),
        Function("month", (DATE,), NUMBER, "month(d)", _month),
        Function("day", (DATE,), NUMBER, "day(d)", _day),
        Function("table", (TEXT, NUMBER), NUMBER, 'table("NAME", x)'),
        Function("table_rate", (TEXT, NUMBER), NUMBER, 'table_rate("NAME", x)'),
    )
}

#: Functions whose trailing argument is a constant number of decimal places.
PLACES_FUNCTIONS: Final = frozenset({"round", "floor", "ceil"})
#: Functions whose first argument names a table.
TABLE_FUNCTIONS: Final = frozenset({"table", "table_rate"})


# -- operator implementations (closure factories used by the compiler) -----------------------

Env = dict[str, Any]
Fn = Callable[[Env], Any]


@dataclass(frozen=True, slots=True)
class Code:
    """A compiled node: its function and, when it is a constant, its value."""

    fn: Fn
    constant: bool = False
    value: Any = None

#: Largest absolute exponent of ``^``.
MAX_EXPONENT: Final = 1000
#: Longest ``+ -`` or ``* /`` chain compiled as nested closures; longer ones use a loop.
_NESTED_CHAIN: Final = 8


def evaluation_error(error: ArithmeticError, source: str, position: int,
                     operator: str) -> FormulaEvaluationError:
    """The positioned error for a ``decimal`` signal raised at ``position``."""
    if isinstance(error, ZeroDivisionError) or (
            operator == "/" and isinstance(error, decimal.InvalidOperation)):  # 0 / 0
        return FormulaEvaluationError(
            "division by zero", source=source, position=position, code="division_by_zero",
            operator=operator)
    if isinstance(error, decimal.Overflow):
        return FormulaEvaluationError(
            "the result is too large", source=source, position=position, code="overflow",
            operator=operator)
    return FormulaEvaluationError(
        f"invalid operation ({type(error).__name__})", source=source, position=position,
        code="invalid_operation", operator=operator)


def binary(op: str, left_code: Code, right_code: Code, source: str, position: int) -> Fn:
    """``left op right`` for ``+ - * /`` on numbers, specialised for a constant side."""
    left, right = left_code.fn, right_code.fn
    lv, rv = left_code.value, right_code.value
    if right_code.constant:
        if op == "+":
            def add_c(env: Env) -> Any:
                try:
                    return left(env) + rv
                except ArithmeticError as e:
                    raise evaluation_error(e, source, position, op) from None
            return add_c
        if op == "-":
            def sub_c(env: Env) -> Any:
                try:
                    return left(env) - rv
                except ArithmeticError as e:
                    raise evaluation_error(e, source, position, op) from None
            return sub_c
        if op == "*":
            def mul_c(env: Env) -> Any:
                try:
                    return left(env) * rv
                except ArithmeticError as e:
                    raise evaluation_error(e, source, position, op) from None
            return mul_c

        def div_c(env: Env) -> Any:
            try:
                return left(env) / rv
            except ArithmeticError as e:
                raise evaluation_error(e, source, position, op) from None
        return div_c
    if left_code.constant:
        if op == "+":
            def c_add(env: Env) -> Any:
                try:
                    return lv + right(env)
                except ArithmeticError as e:
                    raise evaluation_error(e, source, position, op) from None
            return c_add
        if op == "-":
            def c_sub(env: Env) -> Any:
                try:
                    return lv - right(env)
                except ArithmeticError as e:
                    raise evaluation_error(e, source, position, op) from None
            return c_sub
        if op == "*":
            def c_mul(env: Env) -> Any:
                try:
                    return lv * right(env)
                except ArithmeticError as e:
                    raise evaluation_error(e, source, position, op) from None
            return c_mul

        def c_div(env: Env) -> Any:
            try:
                return lv / right(env)
            except ArithmeticError as e:
                raise evaluation_error(e, source, position, op) from None
        return c_div
    if op == "+":
        def add(env: Env) -> Any:
            try:
                return left(env) + right(env)
            except ArithmeticError as e:
                raise evaluation_error(e, source, position, op) from None
        return add
    if op == "-":
        def sub(env: Env) -> Any:
            try:
                return left(env) - right(env)
            except ArithmeticError as e:
                raise evaluation_error(e, source, position, op) from None
        return sub
    if op == "*":
        def mul(env: Env) -> Any:
            try:
                return left(env) * right(env)
            except ArithmeticError as e:
                raise evaluation_error(e, source, position, op) from None
        return mul

    def div(env: Env) -> Any:
        try:
            return left(env) / right(env)
        except ArithmeticError as e:
            raise evaluation_error(e, source, position, op) from None
    return div


def chain(first: Code, rest: list[tuple[str, int, Code]], source: str) -> Fn:
    """``first op1 x1 op2 x2 ...`` evaluated left to right (no reassociation).

    ``rest`` holds each operator, its position and the compiled operand.
    """
    if len(rest) <= _NESTED_CHAIN:
        code = first
        for op, position, operand in rest:
            code = Code(binary(op, code, operand, source, position))
        return code.fn
    steps = tuple((op, position, operand.fn) for op, position, operand in rest)
    first_fn = first.fn

    def long_chain(env: Env) -> Any:
        acc = first_fn(env)
        for op, position, operand in steps:
            value = operand(env)
            try:
                if op == "+":
                    acc = acc + value
                elif op == "-":
                    acc = acc - value
                elif op == "*":
                    acc = acc * value
                else:
                    acc = acc / value
            except ArithmeticError as e:
                raise evaluation_error(e, source, position, op) from None
        return acc
    return long_chain


def _exponent_problem(base: Decimal | None, exponent: Decimal) -> str | None:
    """Why ``base ^ exponent`` is refused (``base`` None when unknown), or None."""
    if abs(exponent) > MAX_EXPONENT:
        return f"the exponent {exponent} is out of range (at most {MAX_EXPONENT} in size)"
    if exponent != exponent.to_integral_value() and base is not None and base < 0:
        return f"a negative number ({base}) cannot be raised to a fractional power ({exponent})"
    return None


def check_constant_exponent(base: Decimal | None, exponent: Decimal, source: str,
                            position: int) -> None:
    """Raise ``FormulaLimitError`` (exponent_out_of_range) for a constant bad exponent."""
    problem = _exponent_problem(base, exponent)
    if problem is not None:
        raise FormulaLimitError(problem, source=source, position=position,
                                code="exponent_out_of_range", exponent=exponent,
                                limit=MAX_EXPONENT)


def _raise(base: Decimal, exponent: Decimal, source: str, position: int) -> Decimal:
    problem = _exponent_problem(base, exponent)
    if problem is not None:
        raise FormulaEvaluationError(problem, source=source, position=position,
                                     code="exponent_out_of_range", exponent=exponent,
                                     limit=MAX_EXPONENT)
    if base.is_zero() and exponent < 0:
        raise FormulaEvaluationError("division by zero (0 raised to a negative power)",
                                     source=source, position=position,
                                     code="division_by_zero", operator="^")
    try:
        return base ** exponent
    except ArithmeticError as e:
        raise evaluation_error(e, source, position, "^") from None


def power(base_code: Code, exponent_code: Code, source: str, position: int) -> Fn:
    """``base ^ exponent`` with the limits of :data:`MAX_EXPONENT` checked.

    A constant exponent out of range raises ``FormulaLimitError`` now; at evaluation the
    limits raise ``FormulaEvaluationError`` (``exponent_out_of_range``, ``division_by_zero``
    for 0 to a negative power, ``overflow``, ``invalid_operation`` for 0 ^ 0).
    """
    base, exponent = base_code.fn, exponent_code.fn
    if exponent_code.constant:
        e: Decimal = exponent_code.value
        check_constant_exponent(base_code.value if base_code.constant else None, e, source,
                                position)
        if e == e.to_integral_value() and e > 0:
            def power_positive(env: Env) -> Any:
                try:
                    return base(env) ** e
                except ArithmeticError as error:
                    raise evaluation_error(error, source, position, "^") from None
            return power_positive

        def power_constant(env: Env) -> Any:
            return _raise(base(env), e, source, position)
        return power_constant

    def power_any(env: Env) -> Any:
        return _raise(base(env), exponent(env), source, position)
    return power_any
