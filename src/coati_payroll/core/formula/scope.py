"""What a formula may name: the contract between the formula compiler and its caller.

The compiler knows nothing of payroll. The caller (the engine, or the web formula editor)
describes the names a formula may read with a :class:`Scope`; the compiler checks every name
and type against it and the compiled formula reads values from a plain ``dict`` environment
keyed by the same names (``"gross"``, ``"input.OVERTIME"``, ``"SS_EMPLOYEE"``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final, Protocol

from coati_payroll.core.formula.tables import Table
from coati_payroll.core.money import RoundingPolicy

#: Environment key under which table lookups append their TableHit, when the key is present.
TABLE_HITS: Final = "@table_hits"

#: The value types of the language.
Value = Decimal | bool | date | str


class ValueType(StrEnum):
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    TEXT = "text"


class Scope(Protocol):
    """The names, namespaces and tables a formula may use."""

    @property
    def rounding(self) -> RoundingPolicy:
        """Rounding for the one-argument ``round(x)`` (the payroll currency's minor unit)."""
        ...

    def resolve(self, name: str) -> ValueType | None:
        """The type of ``name`` (plain ``gross`` or dotted ``input.OVERTIME``), None if unknown."""
        ...

    def namespaces(self) -> frozenset[str]:
        """The namespace prefixes that exist (``input``, ``custom``, ``period`` …)."""
        ...

    def table(self, name: str) -> Table | None:
        """The table called ``name``, None if there is none."""
        ...

    # Optional: ``def known_names(self) -> Iterable[str]`` — every name ``resolve`` knows. The
    # compiler looks it up with ``getattr`` and, when present, suggests "did you mean X?" for
    # unknown names. It is not part of the protocol so that scopes need not implement it.


@dataclass(frozen=True)
class StaticScope:
    """A :class:`Scope` over fixed mappings (tests, the formula editor, examples)."""

    names: Mapping[str, ValueType] = field(default_factory=dict)
    tables: Mapping[str, Table] = field(default_factory=dict)
    rounding: RoundingPolicy = RoundingPolicy()

    def resolve(self, name: str) -> ValueType | None:
        return self.names.get(name)

    def namespaces(self) -> frozenset[str]:
        return frozenset(n.split(".", 1)[0] for n in self.names if "." in n)

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)

    def known_names(self) -> Iterable[str]:
        """Every name of the scope (used for "did you mean" suggestions)."""
        return self.names.keys()


@dataclass(frozen=True, slots=True)
class CompiledFormula:
    """A checked, compiled formula.

    ``evaluate(env)`` computes the value from ``env`` (a dict with a value for every name in
    ``names``) without parsing anything; it raises
    :class:`~coati_payroll.core.errors.FormulaEvaluationError` (positioned in ``source``) for
    division by zero, an exponent out of range, an overflow or a value outside a table. When
    ``env`` holds a list under :data:`TABLE_HITS`, each table lookup appends its ``TableHit``.
    The caller must evaluate inside ``decimal.localcontext(CALCULATION_CONTEXT)``.
    """

    source: str
    type: ValueType
    names: tuple[str, ...]
    tables: tuple[str, ...]
    evaluate: Callable[[dict[str, object]], object]
