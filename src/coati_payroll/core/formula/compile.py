"""Compilation of a checked formula into a tree of closures, and :func:`compile_formula`.

Each node becomes a function ``env -> value``: names are ``operator.itemgetter`` reads,
operators are small nested functions specialised for constant operands, and literal subtrees
are folded once at compile time. A fold that fails (``1 / 0``) is left for evaluation, so
``if(false, 1 / 0, 2)`` stays valid. Evaluation does no dispatch on types: the checker has
already proved every operand's type.

Every ``decimal`` signal (division by zero, invalid operation, overflow) and every function
domain error becomes a :class:`~coati_payroll.core.errors.FormulaEvaluationError` positioned at
the operator or call that raised it.
"""

from __future__ import annotations

import decimal
import operator
from collections.abc import Callable
from typing import Any, Final, cast

from coati_payroll.core.errors import (
    FormulaEvaluationError,
    FormulaLimitError,
    FormulaTypeError,
)
from coati_payroll.core.formula import ast
from coati_payroll.core.formula.check import Checked, check, describe
from coati_payroll.core.formula.functions import (
    FUNCTIONS,
    MAX_PLACES,
    PLACES_FUNCTIONS,
    TABLE_FUNCTIONS,
    Code,
    Env,
    Fn,
    FunctionValueError,
    ceil_places,
    chain,
    evaluation_error,
    floor_places,
    power,
)
from coati_payroll.core.formula.parse import parse, start_of
from coati_payroll.core.formula.scope import TABLE_HITS, CompiledFormula, Scope, ValueType
from coati_payroll.core.formula.tables import Table, TableHit, TableRangeError
from coati_payroll.core.money import CALCULATION_CONTEXT

_COMPARE: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def constant(value: Any) -> Code:
    """A compiled constant."""

    def const(env: Env) -> Any:
        return value

    return Code(const, True, value)


def compile_formula(
    source: str, scope: Scope, *, expected: ValueType | None = ValueType.NUMBER
) -> CompiledFormula:
    """Parse, check and compile ``source`` against ``scope``.

    ``expected`` is the type the formula must give (``BOOLEAN`` for conditions; ``None`` for
    any). Raises a :class:`~coati_payroll.core.errors.FormulaError` subclass, positioned in
    ``source``, for every problem (see docs/formula-language.md for the codes). The result's
    ``evaluate(env)`` must run inside ``decimal.localcontext(CALCULATION_CONTEXT)``.
    """
    tree = parse(source)
    checked = check(tree, scope, source)
    if expected is not None and checked.type != expected:
        raise FormulaTypeError(
            f"the formula must give {describe(expected)}, but it gives"
            f" {describe(checked.type)}", source=source, position=start_of(tree),
            code="wrong_type", expected=expected, actual=checked.type, operator="result")
    with decimal.localcontext(CALCULATION_CONTEXT):
        code = _Compiler(source, scope, checked).compile(tree)
    return CompiledFormula(source, checked.type, tuple(checked.names), tuple(checked.tables),
                           code.fn)


class _Compiler:
    def __init__(self, source: str, scope: Scope, checked: Checked) -> None:
        self.source = source
        self.scope = scope
        self.checked = checked

    def fold(self, code: Code, *children: Code) -> Code:
        """Evaluate ``code`` now when all ``children`` are constants and it does not fail."""
        if not all(child.constant for child in children):
            return code
        try:
            return constant(code.fn({}))
        except FormulaEvaluationError:
            return code

    def compile(self, node: ast.Node) -> Code:
        if isinstance(node, (ast.Number, ast.Text, ast.Boolean)):
            return constant(node.value)
        if isinstance(node, ast.Name):
            return Code(operator.itemgetter(node.name))
        if isinstance(node, ast.Unary):
            return self.unary(node)
        if isinstance(node, ast.Chain):
            first = self.compile(node.first)
            rest = [(o.op, o.op_position, self.compile(o.node)) for o in node.rest]
            fn = chain(first, rest, self.source)
            return self.fold(Code(fn), first, *(c for _, _, c in rest))
        if isinstance(node, ast.Logical):
            return self.logical(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Power):
            return self.power(node)
        if isinstance(node, ast.If):
            return self.if_(node)
        return self.call(node)

    def unary(self, node: ast.Unary) -> Code:
        operand = self.compile(node.operand)
        if node.op == "+":
            return operand
        inner = operand.fn
        if node.op == "-":
            def negate(env: Env) -> Any:
                return -inner(env)
            return self.fold(Code(negate), operand)

        def not_(env: Env) -> Any:
            return not inner(env)
        return self.fold(Code(not_), operand)

    def logical(self, node: ast.Logical) -> Code:
        is_and = node.op == "and"
        codes = [self.compile(operand) for operand in node.operands]
        # Leading constants decide or vanish without changing what is evaluated.
        while codes and codes[0].constant:
            if bool(codes[0].value) is not is_and:
                return constant(not is_and)
            codes.pop(0)
        if not codes:
            return constant(is_and)
        if len(codes) == 1:
            return codes[0]
        fns = tuple(code.fn for code in codes)
        if len(fns) == 2:
            a, b = fns
            if is_and:
                def and2(env: Env) -> Any:
                    return a(env) and b(env)
                return Code(and2)

            def or2(env: Env) -> Any:
                return a(env) or b(env)
            return Code(or2)
        if is_and:
            def and_n(env: Env) -> Any:
                for fn in fns:
                    if not fn(env):
                        return False
                return True
            return Code(and_n)

        def or_n(env: Env) -> Any:
            for fn in fns:
                if fn(env):
                    return True
            return False
        return Code(or_n)

    def compare(self, node: ast.Compare) -> Code:
        left, right = self.compile(node.left), self.compile(node.right)
        op = _COMPARE[node.op]
        lf, rf = left.fn, right.fn
        if right.constant:
            value = right.value

            def compare_constant(env: Env) -> Any:
                return op(lf(env), value)
            return self.fold(Code(compare_constant), left, right)

        def compare(env: Env) -> Any:
            return op(lf(env), rf(env))
        return self.fold(Code(compare), left, right)

    def power(self, node: ast.Power) -> Code:
        base, exponent = self.compile(node.base), self.compile(node.exponent)
        fn = power(base, exponent, self.source, node.position)
        return self.fold(Code(fn), base, exponent)

    def if_(self, node: ast.If) -> Code:
        condition = self.compile(node.condition)
        then, otherwise = self.compile(node.then), self.compile(node.otherwise)
        if condition.constant:
            return then if condition.value else otherwise
        c, t, o = condition.fn, then.fn, otherwise.fn
        if then.constant and otherwise.constant:
            tv, ov = then.value, otherwise.value

            def if_constants(env: Env) -> Any:
                return tv if c(env) else ov
            return Code(if_constants)
        if otherwise.constant:
            ov = otherwise.value

            def if_else_constant(env: Env) -> Any:
                return t(env) if c(env) else ov
            return Code(if_else_constant)

        def if_(env: Env) -> Any:
            return t(env) if c(env) else o(env)
        return Code(if_)

    # -- calls -----------------------------------------------------------------------------

    def call(self, node: ast.Call) -> Code:
        name = node.name
        if name in TABLE_FUNCTIONS:
            return self.table(node)
        args = [self.compile(arg) for arg in node.args]
        implementation: Callable[..., Any] | None
        if name in PLACES_FUNCTIONS:
            implementation = self.places(node, args)
            args = args[:1]
        else:
            implementation = FUNCTIONS[name].implementation
        assert implementation is not None
        return self.fold(Code(self.invoke(node, implementation, [a.fn for a in args])), *args)

    def places(self, node: ast.Call, args: list[Code]) -> Callable[..., Any]:
        """The one-argument implementation of round/floor/ceil with its places bound."""
        policy = self.scope.rounding
        if len(args) == 1:
            single: dict[str, Callable[..., Any]] = {
                "round": policy.round, "floor": floor_places, "ceil": ceil_places}
            return single[node.name]
        places_code = args[1]
        if not places_code.constant:
            raise FormulaTypeError(
                f"the number of decimal places of {node.name} must be written as a number,"
                " like 2", source=self.source, position=start_of(node.args[1]),
                code="constant_required", function=node.name)
        value = places_code.value
        if not (0 <= value <= MAX_PLACES) or value != value.to_integral_value():
            raise FormulaLimitError(
                f"the number of decimal places of {node.name} must be a whole number from 0"
                f" to {MAX_PLACES}, not {value}", source=self.source,
                position=start_of(node.args[1]), code="places_out_of_range",
                function=node.name, places=value, limit=MAX_PLACES)
        places = int(value)
        if node.name == "round":
            round_places = policy.round_places

            def round_to(x: Any) -> Any:
                return round_places(x, places)
            return round_to
        chosen = floor_places if node.name == "floor" else ceil_places

        def to_places(x: Any) -> Any:
            return chosen(x, places)
        return to_places

    def invoke(self, node: ast.Call, implementation: Callable[..., Any],
               fns: list[Fn]) -> Fn:
        source, position, name = self.source, node.position, node.name

        def failed(error: Exception) -> FormulaEvaluationError:
            if isinstance(error, FunctionValueError):
                params = {"function": name, **error.params}
                return FormulaEvaluationError(
                    error.message, source=source, position=position, code=error.code,
                    **params)
            return evaluation_error(cast(ArithmeticError, error), source, position, name)

        if len(fns) == 1:
            (a,) = fns

            def call1(env: Env) -> Any:
                x = a(env)
                try:
                    return implementation(x)
                except (FunctionValueError, ArithmeticError) as error:
                    raise failed(error) from None
            return call1
        if len(fns) == 2:
            a, b = fns

            def call2(env: Env) -> Any:
                x, y = a(env), b(env)
                try:
                    return implementation(x, y)
                except (FunctionValueError, ArithmeticError) as error:
                    raise failed(error) from None
            return call2
        all_fns = tuple(fns)

        def call_n(env: Env) -> Any:
            values = [fn(env) for fn in all_fns]
            try:
                return implementation(*values)
            except (FunctionValueError, ArithmeticError) as error:
                raise failed(error) from None
        return call_n

    def table(self, node: ast.Call) -> Code:
        literal = node.args[0]
        assert isinstance(literal, ast.Text)
        table = self.scope.table(literal.value)
        assert isinstance(table, Table)
        lookup = table.amount if node.name == "table" else table.rate
        x = self.compile(node.args[1]).fn
        source, position, table_name = self.source, node.position, literal.value

        def table_lookup(env: Env) -> Any:
            value = x(env)
            try:
                result, hit = lookup(value)
            except TableRangeError as error:
                raise FormulaEvaluationError(
                    str(error), source=source, position=position, code="outside_table",
                    table=table_name, value=value) from None
            except ArithmeticError as error:
                raise evaluation_error(error, source, position, table_name) from None
            hits = env.get(TABLE_HITS)
            if hits is not None:
                cast(list[TableHit], hits).append(hit)
            return result
        return Code(table_lookup)
