"""Recursive-descent parser of the formula language.

Grammar, lowest precedence first::

    formula     := or END
    or          := and ("or" and)*
    and         := not ("and" not)*
    not         := "not" not | comparison
    comparison  := additive (("==" | "!=" | "<" | "<=" | ">" | ">=") additive)?
    additive    := multiplicative (("+" | "-") multiplicative)*
    multiplicative := unary (("*" | "/") unary)*
    unary       := ("-" | "+") unary | power
    power       := primary ("^" unary)?          (right-associative; -2^2 is -(2^2))
    primary     := NUMBER | STRING | "true" | "false" | NAME | NAME "(" args ")"
                 | "if" "(" or "," or "," or ")" | "(" or ")"

Comparisons do not chain (``a < b < c`` raises ``chained_comparison``). Nesting — parentheses,
calls, unary operators and the right side of ``^`` — is counted while parsing and limited to
:data:`MAX_DEPTH`, so no input can exhaust Python's recursion limit.

Raises :class:`~coati_payroll.core.errors.FormulaSyntaxError` (``unexpected_token``,
``unexpected_end``, ``chained_comparison``, and the lexer's codes),
:class:`~coati_payroll.core.errors.FormulaLimitError` (``too_deep``, ``too_many_arguments``,
and the lexer's) and :class:`~coati_payroll.core.errors.FormulaNameError` (``dunder_name``,
``attribute_access`` for ``x.y`` after a non-name).
"""

from __future__ import annotations

from typing import Final

from coati_payroll.core.errors import (
    FormulaLimitError,
    FormulaNameError,
    FormulaSyntaxError,
    FormulaTypeError,
)
from coati_payroll.core.formula import ast
from coati_payroll.core.formula.lexer import (
    END,
    KEYWORD,
    NAME,
    NUMBER,
    OP,
    STRING,
    Token,
    is_dunder,
    tokenize,
)

#: Deepest accepted nesting of parentheses, calls, unary operators and powers.
MAX_DEPTH: Final = 50
#: Most arguments in one function call.
MAX_ARGUMENTS: Final = 50

_COMPARISONS: Final = frozenset({"==", "!=", "<", "<=", ">", ">="})


def parse(source: str) -> ast.Node:
    """Parse ``source`` into a syntax tree (see the module docstring for the errors)."""
    return _Parser(source).formula()


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.depth = 0

    # -- helpers ---------------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at_op(self, *texts: str) -> bool:
        token = self.tokens[self.index]
        return token.kind == OP and token.text in texts

    def at_keyword(self, text: str) -> bool:
        token = self.tokens[self.index]
        return token.kind == KEYWORD and token.text == text

    def enter(self, position: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaLimitError(
                f"formula is nested too deeply (more than {MAX_DEPTH} levels)",
                source=self.source, position=position, code="too_deep", limit=MAX_DEPTH)

    def expect(self, text: str, what: str) -> Token:
        if self.at_op(text):
            return self.advance()
        raise self.unexpected(f"expected {what}")

    def unexpected(self, expected: str) -> FormulaSyntaxError | FormulaNameError:
        token = self.token
        if token.kind == END:
            # Point just after the last token (not after trailing spaces or line breaks).
            previous = self.tokens[self.index - 1] if self.index else token
            end = previous.position + len(previous.text)
            return FormulaSyntaxError(
                f"the formula ends too early: {expected}",
                source=self.source, position=end, code="unexpected_end", expected=expected)
        if token.kind == OP and token.text == "=":
            return FormulaSyntaxError(
                "'=' is not an operator: use '==' to compare two values",
                source=self.source, position=token.position, code="unexpected_token",
                token="=", suggestion="==")
        if token.kind == OP and token.text == "%":
            return FormulaSyntaxError(
                "'%' may only follow a number (7%); to take a percentage of a value write"
                " x * 7% or x * rate / 100",
                source=self.source, position=token.position, code="unexpected_token",
                token="%")
        if token.kind == OP and token.text == ".":
            following = self.tokens[self.index + 1]
            if following.kind in (NAME, KEYWORD) and is_dunder(following.text.split(".")[0]):
                return FormulaNameError(
                    "names with double underscores are not allowed",
                    source=self.source, position=following.position, code="dunder_name",
                    name=following.text)
            return FormulaNameError(
                "attribute access is not allowed",
                source=self.source, position=token.position, code="attribute_access")
        return FormulaSyntaxError(
            f"unexpected {token.text!r}: {expected}",
            source=self.source, position=token.position, code="unexpected_token",
            token=token.text, expected=expected)

    # -- grammar ---------------------------------------------------------------------------

    def formula(self) -> ast.Node:
        if self.token.kind == END:
            raise FormulaSyntaxError(
                "the formula is empty", source=self.source, position=0, code="unexpected_end",
                expected="an expression")
        node = self.or_()
        if self.token.kind != END:
            raise self.unexpected("expected an operator or the end of the formula")
        return node

    def or_(self) -> ast.Node:
        first = self.and_()
        if not self.at_keyword("or"):
            return first
        operands = [first]
        while self.at_keyword("or"):
            self.advance()
            operands.append(self.and_())
        return ast.Logical(_position(first), "or", tuple(operands))

    def and_(self) -> ast.Node:
        first = self.not_()
        if not self.at_keyword("and"):
            return first
        operands = [first]
        while self.at_keyword("and"):
            self.advance()
            operands.append(self.not_())
        return ast.Logical(_position(first), "and", tuple(operands))

    def not_(self) -> ast.Node:
        if self.at_keyword("not"):
            token = self.advance()
            self.enter(token.position)
            operand = self.not_()
            self.depth -= 1
            return ast.Unary(token.position, "not", operand)
        return self.comparison()

    def comparison(self) -> ast.Node:
        left = self.additive()
        token = self.token
        if token.kind != OP or token.text not in _COMPARISONS:
            return left
        self.advance()
        right = self.additive()
        following = self.token
        if following.kind == OP and following.text in _COMPARISONS:
            raise FormulaSyntaxError(
                "comparisons cannot be chained: write a < b and b < c",
                source=self.source, position=following.position, code="chained_comparison",
                operator=following.text)
        return ast.Compare(token.position, token.text, left, right)

    def additive(self) -> ast.Node:
        first = self.multiplicative()
        rest: list[ast.Operand] = []
        while self.at_op("+", "-"):
            token = self.advance()
            rest.append(ast.Operand(token.text, token.position, self.multiplicative()))
        return ast.Chain(_position(first), "add", first, tuple(rest)) if rest else first

    def multiplicative(self) -> ast.Node:
        first = self.unary()
        rest: list[ast.Operand] = []
        while self.at_op("*", "/"):
            token = self.advance()
            rest.append(ast.Operand(token.text, token.position, self.unary()))
        return ast.Chain(_position(first), "mul", first, tuple(rest)) if rest else first

    def unary(self) -> ast.Node:
        if self.at_op("-", "+"):
            token = self.advance()
            self.enter(token.position)
            operand = self.unary()
            self.depth -= 1
            return ast.Unary(token.position, token.text, operand)
        return self.power()

    def power(self) -> ast.Node:
        base = self.primary()
        if not self.at_op("^"):
            return base
        token = self.advance()
        self.enter(token.position)
        exponent = self.unary()
        self.depth -= 1
        return ast.Power(token.position, base, exponent)

    def primary(self) -> ast.Node:
        token = self.token
        kind = token.kind
        if kind == NUMBER:
            self.advance()
            assert token.value is not None and not isinstance(token.value, str)
            return ast.Number(token.position, token.value)
        if kind == STRING:
            self.advance()
            return ast.Text(token.position, str(token.value))
        if kind == NAME:
            self.advance()
            if self.at_op("("):
                return ast.Call(token.position, token.text, self.arguments(token))
            return ast.Name(token.position, token.text)
        if kind == KEYWORD:
            if token.text in ("true", "false"):
                self.advance()
                return ast.Boolean(token.position, token.text == "true")
            if token.text == "if":
                return self.if_()
            raise self.unexpected("expected a value")
        if self.at_op("("):
            self.advance()
            self.enter(token.position)
            node = self.or_()
            self.depth -= 1
            self.expect(")", f"')' to close the '(' at {_where(self.source, token.position)}")
            return node
        raise self.unexpected("expected a value")

    def if_(self) -> ast.Node:
        keyword = self.advance()
        if not self.at_op("("):
            raise self.unexpected("expected '(' after if: if(condition, value, otherwise)")
        args = self.arguments(keyword)
        if len(args) != 3:
            raise FormulaTypeError(
                f"if takes 3 arguments (condition, value, otherwise), not {len(args)}",
                source=self.source, position=keyword.position, code="argument_count",
                function="if", expected=3, given=len(args))
        return ast.If(keyword.position, args[0], args[1], args[2])

    def arguments(self, name: Token) -> tuple[ast.Node, ...]:
        """Parse ``( a, b, ... )`` after a function name; the current token is the ``(``."""
        self.advance()
        self.enter(name.position)
        args: list[ast.Node] = []
        if not self.at_op(")"):
            while True:
                if self.token.kind == NAME and self.tokens[self.index + 1].text == "=" \
                        and self.tokens[self.index + 1].kind == OP:
                    raise FormulaSyntaxError(
                        "keyword arguments are not allowed: pass arguments by position",
                        source=self.source, position=self.tokens[self.index + 1].position,
                        code="unexpected_token", token="=")
                args.append(self.or_())
                if len(args) > MAX_ARGUMENTS:
                    raise FormulaLimitError(
                        f"too many arguments (the limit is {MAX_ARGUMENTS})",
                        source=self.source, position=_position(args[-1]),
                        code="too_many_arguments", limit=MAX_ARGUMENTS)
                if not self.at_op(","):
                    break
                self.advance()
        self.depth -= 1
        self.expect(")", f"',' or ')' to close the call of {name.text}")
        return tuple(args)


def _position(node: ast.Node) -> int:
    """Offset of the first character of ``node`` (for chains: of their first operand)."""
    while True:
        if isinstance(node, ast.Chain):
            node = node.first
        elif isinstance(node, ast.Logical):
            node = node.operands[0]
        elif isinstance(node, ast.Compare):
            node = node.left
        elif isinstance(node, ast.Power):
            node = node.base
        else:
            return node.position


def start_of(node: ast.Node) -> int:
    """Offset of the first character of ``node``'s text (public helper for the checker)."""
    return _position(node)


def _where(source: str, position: int) -> str:
    line = source.count("\n", 0, position) + 1
    column = position - (source.rfind("\n", 0, position) + 1) + 1
    return f"line {line}, column {column}"
