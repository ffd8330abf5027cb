"""Syntax tree of the formula language.

Every node is a frozen dataclass carrying ``position``: the 0-based offset in the source of the
token errors about the node point at (an operator for operations, the function name for calls,
the first character for literals and names).

Chains of the same precedence level (``a + b - c``, ``a * b / c``, ``p and q and r``) are single
n-ary nodes so that a long sum never makes a deep tree: the depth of the tree follows the
nesting the user wrote (parentheses, calls, unary operators, powers), which the parser limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Number:
    position: int
    value: Decimal


@dataclass(frozen=True, slots=True)
class Text:
    position: int
    value: str


@dataclass(frozen=True, slots=True)
class Boolean:
    position: int
    value: bool


@dataclass(frozen=True, slots=True)
class Name:
    """A name read: ``gross`` or ``input.OVERTIME`` (``name`` is the full dotted text)."""

    position: int
    name: str


@dataclass(frozen=True, slots=True)
class Unary:
    """``-x``, ``+x`` or ``not x``; ``position`` is the operator's."""

    position: int
    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Operand:
    """One link of a :class:`Chain`: the operator before ``node`` and its position."""

    op: str
    op_position: int
    node: Node


@dataclass(frozen=True, slots=True)
class Chain:
    """``first op1 x1 op2 x2 ...`` for ``+ -`` (kind ``"add"``) or ``* /`` (kind ``"mul"``).

    Evaluated left to right. ``position`` is the first operand's.
    """

    position: int
    kind: str
    first: Node
    rest: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class Logical:
    """``a and b and c`` or ``a or b or c``; short-circuits. ``position`` is the first operand's."""

    position: int
    op: str
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right`` for ``== != < <= > >=``; ``position`` is the operator's."""

    position: int
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Power:
    """``base ^ exponent``; ``position`` is the ``^``."""

    position: int
    base: Node
    exponent: Node


@dataclass(frozen=True, slots=True)
class If:
    """``if(condition, then, otherwise)``; ``position`` is the ``if`` keyword."""

    position: int
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Call:
    """``name(args...)``; ``position`` is the function name's."""

    position: int
    name: str
    args: tuple[Node, ...]


Node = Number | Text | Boolean | Name | Unary | Chain | Logical | Compare | Power | If | Call
