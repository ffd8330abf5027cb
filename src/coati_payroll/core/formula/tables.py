"""Bracket and rate tables as validated value objects.

A table is an ordered list of contiguous rows over a numeric input ``x``. Row ``i`` covers
``lower_i < x <= upper_i`` when the table's edges are ``upper_inclusive`` (the usual "over A but
not over B" of tax tables) and ``lower_i <= x < upper_i`` otherwise. The first row also covers
``x == lower_0`` in upper-inclusive tables, and the last row may be open (``upper=None``).

Kinds:

* ``progressive``: ``table(NAME, x)`` gives ``fixed + rate * (x - lower)`` of the row ``x`` falls
  in (a progressive income-tax table; ``fixed`` is the tax of all lower brackets).
* ``flat``: ``table(NAME, x)`` gives ``fixed + rate * x`` — the whole amount at the row's rate.

``table_rate(NAME, x)`` gives the row's ``rate`` for either kind. A value outside every row
raises :class:`TableRangeError`, which the formula evaluator turns into a positioned
:class:`~coati_payroll.core.errors.FormulaEvaluationError`. Nothing is rounded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from coati_payroll.core.errors import TableError


class TableKind(StrEnum):
    PROGRESSIVE = "progressive"
    FLAT = "flat"


@dataclass(frozen=True, slots=True)
class TableRow:
    lower: Decimal
    upper: Decimal | None
    rate: Decimal = Decimal(0)
    fixed: Decimal = Decimal(0)


class TableHit(NamedTuple):
    """Which row of which table a lookup used, for the line's trace."""

    table: str
    row: int
    lower: Decimal
    upper: Decimal | None
    rate: Decimal
    fixed: Decimal
    input: Decimal
    result: Decimal


class TableRangeError(Exception):
    """``x`` is outside every row of a table (raised by :meth:`Table.find`)."""

    def __init__(self, table: str, value: Decimal, lowest: Decimal, highest: Decimal | None):
        super().__init__(
            f"{value} is outside table {table} (rows cover {lowest}"
            f" to {'no upper limit' if highest is None else highest})"
        )
        self.table = table
        self.value = value


@dataclass(frozen=True, slots=True)
class Table:
    """A validated table. Construction raises :class:`TableError` for malformed rows."""

    name: str
    kind: TableKind
    rows: tuple[TableRow, ...]
    upper_inclusive: bool = True

    def __post_init__(self) -> None:
        if not self.rows:
            raise TableError("a table needs at least one row", subject=self.name,
                             code="table_empty")
        previous_upper: Decimal | None = None
        for index, row in enumerate(self.rows, start=1):
            if row.upper is not None and row.upper <= row.lower:
                raise TableError(f"row {index}: upper {row.upper} must be above lower {row.lower}",
                                 subject=self.name, code="table_row_order", row=index)
            if index > 1:
                if previous_upper is None:
                    raise TableError(f"row {index}: only the last row may be open-ended",
                                     subject=self.name, code="table_open_row", row=index)
                if row.lower != previous_upper:
                    kind = "gap" if row.lower > previous_upper else "overlap"
                    raise TableError(
                        f"row {index}: lower {row.lower} must equal the previous row's upper "
                        f"{previous_upper} (rows must be contiguous; found a {kind})",
                        subject=self.name, code="table_not_contiguous", row=index)
            previous_upper = row.upper

    def find(self, value: Decimal) -> int:
        """Index of the row covering ``value``; raises :class:`TableRangeError` when none does."""
        rows = self.rows
        first = rows[0]
        last_upper = rows[-1].upper
        if self.upper_inclusive:
            if value < first.lower or (last_upper is not None and value > last_upper):
                raise TableRangeError(self.name, value, first.lower, last_upper)
            for index, row in enumerate(rows):
                if row.upper is None or value <= row.upper:
                    return index
        else:
            if value < first.lower or (last_upper is not None and value >= last_upper):
                raise TableRangeError(self.name, value, first.lower, last_upper)
            for index, row in enumerate(rows):
                if row.upper is None or value < row.upper:
                    return index
        raise TableRangeError(self.name, value, first.lower, last_upper)  # pragma: no cover

    def amount(self, value: Decimal) -> tuple[Decimal, TableHit]:
        """The table's amount for ``value`` (see the module docstring) and the row used."""
        index = self.find(value)
        row = self.rows[index]
        if self.kind is TableKind.PROGRESSIVE:
            result = row.fixed + row.rate * (value - row.lower)
        else:
            result = row.fixed + row.rate * value
        return result, TableHit(self.name, index + 1, row.lower, row.upper, row.rate, row.fixed,
                                value, result)

    def rate(self, value: Decimal) -> tuple[Decimal, TableHit]:
        """The rate of the row covering ``value`` and the row used."""
        index = self.find(value)
        row = self.rows[index]
        return row.rate, TableHit(self.name, index + 1, row.lower, row.upper, row.rate, row.fixed,
                                  value, row.rate)
