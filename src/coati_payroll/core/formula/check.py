"""Name and type checking of a parsed formula against a :class:`~.scope.Scope`.

:func:`check` walks the tree once, in source order, and returns a :class:`Checked` with the
formula's type, the scope names read (deduplicated, in order of first appearance, both branches
of every ``if`` included) and the tables used. Every name is checked before anything is
compiled, so an unknown name in a branch that would never run is still an error.

Names: a segment starting or ending with ``__`` is refused first (``dunder_name``); a name with
more than one dot is ``attribute_access``; an unknown dotted name is ``unknown_name`` when its
prefix is a namespace of the scope and ``attribute_access`` otherwise; an unknown plain name is
``unknown_name`` with a "did you mean" suggestion when the scope offers ``known_names()``.

Raises :class:`~coati_payroll.core.errors.FormulaNameError` (``unknown_name``,
``attribute_access``, ``dunder_name``, ``unknown_function``, ``not_callable``,
``unknown_table``) and :class:`~coati_payroll.core.errors.FormulaTypeError` (``wrong_type``,
``argument_count``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from coati_payroll.core.errors import FormulaNameError, FormulaTypeError
from coati_payroll.core.formula import ast
from coati_payroll.core.formula.functions import FUNCTIONS, TABLE_FUNCTIONS
from coati_payroll.core.formula.lexer import KEYWORDS, is_dunder
from coati_payroll.core.formula.parse import start_of
from coati_payroll.core.formula.scope import Scope, ValueType

NUMBER = ValueType.NUMBER
BOOLEAN = ValueType.BOOLEAN
DATE = ValueType.DATE
TEXT = ValueType.TEXT

_ORDERED = frozenset({NUMBER, DATE})
_ARTICLE = {NUMBER: "a number", BOOLEAN: "a boolean", DATE: "a date", TEXT: "text"}


@dataclass
class Checked:
    """Result of :func:`check`: the formula's type, the names read and the tables used."""

    type: ValueType
    names: dict[str, None] = field(default_factory=dict)
    tables: dict[str, None] = field(default_factory=dict)


def check(tree: ast.Node, scope: Scope, source: str) -> Checked:
    """Check ``tree`` (parsed from ``source``) against ``scope``; see the module docstring."""
    checker = _Checker(scope, source)
    result_type = checker.visit(tree)
    return Checked(result_type, checker.names, checker.tables)


def describe(value_type: ValueType) -> str:
    """``a number``, ``a boolean``, ``a date`` or ``text`` (for messages)."""
    return _ARTICLE[value_type]


class _Checker:
    def __init__(self, scope: Scope, source: str) -> None:
        self.scope = scope
        self.source = source
        self.names: dict[str, None] = {}
        self.tables: dict[str, None] = {}

    def visit(self, node: ast.Node) -> ValueType:
        if isinstance(node, ast.Number):
            return NUMBER
        if isinstance(node, ast.Text):
            return TEXT
        if isinstance(node, ast.Boolean):
            return BOOLEAN
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Unary):
            self.want(node.operand, BOOLEAN if node.op == "not" else NUMBER, node.op)
            return BOOLEAN if node.op == "not" else NUMBER
        if isinstance(node, ast.Chain):
            self.chain(node)
            return NUMBER
        if isinstance(node, ast.Logical):
            for operand in node.operands:
                self.want(operand, BOOLEAN, node.op)
            return BOOLEAN
        if isinstance(node, ast.Compare):
            self.compare(node)
            return BOOLEAN
        if isinstance(node, ast.Power):
            self.want(node.base, NUMBER, "^")
            self.want(node.exponent, NUMBER, "^")
            return NUMBER
        if isinstance(node, ast.If):
            self.want(node.condition, BOOLEAN, "if")
            then = self.visit(node.then)
            otherwise = self.visit(node.otherwise)
            if then != otherwise:
                raise self.type_error(
                    f"both branches of if must give the same type: the first gives"
                    f" {describe(then)}, the second {describe(otherwise)}",
                    node.otherwise, expected=then, actual=otherwise, operator="if")
            return then
        return self.call(node)

    # -- helpers ---------------------------------------------------------------------------

    def type_error(self, message: str, node: ast.Node, **params: object) -> FormulaTypeError:
        return FormulaTypeError(message, source=self.source, position=start_of(node),
                                code="wrong_type", **params)

    def want(self, node: ast.Node, expected: ValueType, operator: str) -> None:
        actual = self.visit(node)
        if actual != expected:
            raise self.type_error(
                f"{operator} needs {describe(expected)} here, not {describe(actual)}",
                node, expected=expected, actual=actual, operator=operator)

    def name(self, node: ast.Name) -> ValueType:
        full = node.name
        segments = full.split(".")
        offset = node.position
        for segment in segments:
            if is_dunder(segment):
                raise FormulaNameError(
                    f"names with double underscores are not allowed: {segment}",
                    source=self.source, position=offset, code="dunder_name", name=segment)
            offset += len(segment) + 1
        if len(segments) > 2:
            second_dot = node.position + len(segments[0]) + 1 + len(segments[1])
            raise FormulaNameError(
                f"attribute access is not allowed: {full}", source=self.source,
                position=second_dot, code="attribute_access", name=full)
        resolved = self.scope.resolve(full)
        if resolved is not None:
            self.names.setdefault(full)
            return resolved
        if len(segments) == 2:
            prefix = segments[0]
            if prefix in self.scope.namespaces():
                raise FormulaNameError(
                    f"unknown name {segments[1]} in namespace {prefix}"
                    + self.suggestion(full), source=self.source, position=node.position,
                    code="unknown_name", name=full, namespace=prefix)
            raise FormulaNameError(
                f"attribute access is not allowed: {prefix} is not a namespace",
                source=self.source, position=node.position + len(prefix),
                code="attribute_access", name=full)
        if full.lower() in KEYWORDS:
            raise FormulaNameError(
                f"unknown name {full}; did you mean {full.lower()}? (keywords are lower case)",
                source=self.source, position=node.position, code="unknown_name", name=full)
        if full in FUNCTIONS:
            raise FormulaNameError(
                f"{full} is a function: call it as {FUNCTIONS[full].usage}",
                source=self.source, position=node.position, code="unknown_name", name=full)
        raise FormulaNameError(
            f"unknown name {full}" + self.suggestion(full), source=self.source,
            position=node.position, code="unknown_name", name=full)

    def suggestion(self, name: str, candidates: Iterable[str] | None = None) -> str:
        if candidates is None:
            known = getattr(self.scope, "known_names", None)
            if not callable(known):
                return ""
            candidates = known()
        matches = difflib.get_close_matches(name, list(candidates), n=1)
        return f"; did you mean {matches[0]}?" if matches else ""

    def chain(self, node: ast.Chain) -> None:
        operator = node.rest[0].op
        first = self.visit(node.first)
        types = [first]
        for operand in node.rest:
            types.append(self.visit(operand.node))
        if node.kind == "add" and all(t == DATE for t in types[:2]) \
                and node.rest[0].op == "-":
            raise FormulaTypeError(
                "dates cannot be subtracted: use days_between(start, end)"
                " (or months_between, years_between)", source=self.source,
                position=node.rest[0].op_position, code="wrong_type", expected=NUMBER,
                actual=DATE, operator="-")
        nodes = [node.first, *(o.node for o in node.rest)]
        for index, (child, child_type) in enumerate(zip(nodes, types, strict=True)):
            if child_type != NUMBER:
                op = operator if index == 0 else node.rest[index - 1].op
                hint = "; there is no date arithmetic, use the date functions" \
                    if child_type == DATE else ""
                raise self.type_error(
                    f"{op} needs a number here, not {describe(child_type)}{hint}",
                    child, expected=NUMBER, actual=child_type, operator=op)

    def compare(self, node: ast.Compare) -> None:
        left = self.visit(node.left)
        right = self.visit(node.right)
        if left != right:
            raise self.type_error(
                f"cannot compare {describe(left)} with {describe(right)}",
                node.right, expected=left, actual=right, operator=node.op)
        if left not in _ORDERED and node.op not in ("==", "!="):
            raise FormulaTypeError(
                f"{describe(left)} can only be compared with == and !=, not {node.op}",
                source=self.source, position=node.position, code="wrong_type",
                expected=NUMBER, actual=left, operator=node.op)

    def call(self, node: ast.Call) -> ValueType:
        name = node.name
        function = FUNCTIONS.get(name)
        if function is None:
            if "." not in name and not is_dunder(name) and self.scope.resolve(name) is not None:
                raise FormulaNameError(
                    f"{name} is a value, not a function", source=self.source,
                    position=node.position, code="not_callable", name=name)
            if "." in name:
                self.name(ast.Name(node.position, name))  # dunder / attribute / unknown
                raise FormulaNameError(
                    f"{name} is a value, not a function", source=self.source,
                    position=node.position, code="not_callable", name=name)
            raise FormulaNameError(
                f"unknown function {name}" + self.suggestion(name, FUNCTIONS),
                source=self.source, position=node.position, code="unknown_function",
                name=name)
        count = len(node.args)
        required = len(function.params) - function.optional
        if function.variadic:
            ok = count >= 2
        else:
            ok = required <= count <= len(function.params)
        if not ok:
            raise FormulaTypeError(
                f"wrong number of arguments: use {function.usage} ({count} given)",
                source=self.source, position=node.position, code="argument_count",
                function=name, given=count, usage=function.usage)
        if function.variadic:
            first = self.visit(node.args[0])
            if first not in function.params:
                raise self.type_error(
                    f"{name} works on numbers or dates, not {describe(first)}",
                    node.args[0], expected=NUMBER, actual=first, operator=name)
            for arg in node.args[1:]:
                self.want(arg, first, name)
            return first
        if name in TABLE_FUNCTIONS:
            self.table(node)
        else:
            for arg, expected in zip(node.args, function.params, strict=False):
                self.want(arg, expected, name)
        assert function.result is not None
        return function.result

    def table(self, node: ast.Call) -> None:
        literal = node.args[0]
        if not isinstance(literal, ast.Text):
            raise FormulaTypeError(
                f"the first argument of {node.name} must be a table name in double quotes,"
                f' like {node.name}("INCOME_TAX", x)', source=self.source,
                position=start_of(literal), code="wrong_type", expected=TEXT,
                operator=node.name)
        if self.scope.table(literal.value) is None:
            raise FormulaNameError(
                f"unknown table {literal.value}", source=self.source,
                position=literal.position, code="unknown_table", table=literal.value)
        self.tables.setdefault(literal.value)
        self.want(node.args[1], NUMBER, node.name)
