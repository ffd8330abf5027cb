"""Bracket and rate tables, effective-dated (one version per code and ``effective_from``).

The rows are validated by building the core
:class:`~coati_payroll.core.formula.tables.Table` (contiguous rows, only the last open, upper
above lower): its :class:`~coati_payroll.core.errors.TableError` becomes ``InvalidInput`` with
the problem keyed ``row N`` (1-based) or ``rows``. Amount columns (``lower``, ``upper``,
``fixed``) hold 6 decimal places and ``rate`` 14; more are refused, never rounded.

A new version (:func:`create_table_version`) takes effect on its date; runs use the version
with the latest ``effective_from`` on or before the period end (:func:`table_in_force`) and
snapshot its rows, so correcting a version (:func:`update_table_version`) changes only
calculations made afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.errors import TableError
from coati_payroll.core.formula.tables import Table, TableKind, TableRow
from coati_payroll.core.setup_check import CODE_PATTERN
from coati_payroll.db.models import RateTable, RateTableRow
from coati_payroll.db.types import Money, Rate
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState

_MONEY: Final = Money()
_RATE: Final = Rate()


@dataclass(frozen=True, slots=True)
class TableRowData:
    lower: Decimal
    upper: Decimal | None
    rate: Decimal = Decimal(0)
    fixed: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class TableData:
    code: str
    name: str
    kind: TableKind | str
    effective_from: date
    rows: Sequence[TableRowData]
    upper_inclusive: bool = True


def _snapshot(table: RateTable) -> dict[str, Any]:
    return {"code": table.code, "name": table.name, "kind": table.kind,
            "effective_from": table.effective_from, "upper_inclusive": table.upper_inclusive,
            "rows": [[r.lower, r.upper, r.rate, r.fixed] for r in table.rows]}


def _number(problems: dict[str, str], key: str, value: object, column: Money | Rate) -> None:
    if not isinstance(value, (Decimal, int)) or isinstance(value, bool):
        problems[key] = f"{value!r} is not an exact decimal"
        return
    try:
        column.coerce(value)
    except (TypeError, ValueError) as error:
        problems[key] = str(error)


def _validate(session: Session, data: TableData, table: RateTable | None) -> TableKind:
    problems: dict[str, str] = {}
    if table is not None:
        if (data.code, data.effective_from) != (table.code, table.effective_from):
            problems["code"] = "code and effective date of a version cannot change"
    elif not CODE_PATTERN.match(data.code or "") or len(data.code) > 40:
        problems["code"] = "1-40 letters, digits or _, starting with a letter"
    elif session.scalar(sa.select(RateTable.id).where(
            RateTable.code == data.code,
            RateTable.effective_from == data.effective_from)) is not None:
        problems["effective_from"] = (f"table {data.code} already has a version from "
                                      f"{data.effective_from}")
    if not data.name or not data.name.strip() or len(data.name) > 200:
        problems["name"] = "1-200 characters"
    try:
        kind = TableKind(data.kind)
    except ValueError:
        kind = TableKind.PROGRESSIVE
        problems["kind"] = "one of " + ", ".join(k.value for k in TableKind)
    for number, row in enumerate(data.rows, 1):
        _number(problems, f"row {number}: lower", row.lower, _MONEY)
        if row.upper is not None:
            _number(problems, f"row {number}: upper", row.upper, _MONEY)
        _number(problems, f"row {number}: rate", row.rate, _RATE)
        _number(problems, f"row {number}: fixed", row.fixed, _MONEY)
    if not any(key.startswith("row ") for key in problems):
        try:
            Table(data.code, kind, tuple(TableRow(r.lower, r.upper, r.rate, r.fixed)
                                         for r in data.rows), data.upper_inclusive)
        except TableError as error:
            where = error.params.get("row")
            problems["rows" if where is None else f"row {where}"] = error.message
    if problems:
        raise InvalidInput("the table cannot be saved", problems)
    return kind


def _set_rows(session: Session, table: RateTable, rows: Sequence[TableRowData]) -> None:
    for old in list(table.rows):
        session.delete(old)
    session.flush()
    for position, row in enumerate(rows):
        session.add(RateTableRow(table_id=table.id, position=position, lower=row.lower,
                                 upper=row.upper, rate=row.rate, fixed=row.fixed))
    session.flush()
    session.refresh(table, ["rows"])


def create_table_version(session: Session, actor: Actor, data: TableData) -> RateTable:
    """A new table, or a new version of ``data.code`` from ``data.effective_from``."""
    kind = _validate(session, data, None)
    table = RateTable(code=data.code, name=data.name.strip(), kind=kind,
                      upper_inclusive=data.upper_inclusive, effective_from=data.effective_from)
    session.add(table)
    session.flush()
    _set_rows(session, table, data.rows)
    audit.record(session, actor, "table.create_version", "rate_table", table.id, {},
                 _snapshot(table))
    return table


def update_table_version(session: Session, actor: Actor, table: RateTable,
                         data: TableData) -> RateTable:
    """Replace a version's name, kind, edges and rows (code and date stay)."""
    kind = _validate(session, data, table)
    before = _snapshot(table)
    table.name, table.kind, table.upper_inclusive = data.name.strip(), kind, \
        data.upper_inclusive
    _set_rows(session, table, data.rows)
    audit.record(session, actor, "table.update_version", "rate_table", table.id, before,
                 _snapshot(table))
    return table


def delete_table_version(session: Session, actor: Actor, table: RateTable) -> None:
    """Delete a version that has not taken effect yet (``effective_from`` after ``today``);
    past versions are history (add a newer version instead)."""
    if table.effective_from <= date.today():
        raise InvalidState(f"table {table.code} from {table.effective_from} is in effect or "
                           "past; add a newer version instead")
    before = _snapshot(table)
    session.delete(table)
    session.flush()
    audit.record(session, actor, "table.delete_version", "rate_table", table.id, before, {})


def table_in_force(session: Session, code: str, day: date) -> RateTable | None:
    """The version of ``code`` with the latest ``effective_from`` on or before ``day``."""
    return session.scalar(
        sa.select(RateTable).where(RateTable.code == code, RateTable.effective_from <= day)
        .order_by(RateTable.effective_from.desc()).limit(1))


def to_core_table(table: RateTable) -> Table:
    """The core table of a stored version (rows were validated when saved)."""
    return Table(table.code, table.kind, tuple(TableRow(r.lower, r.upper, r.rate, r.fixed)
                                               for r in table.rows), table.upper_inclusive)


def list_table_versions(session: Session, code: str | None = None) -> list[RateTable]:
    query = sa.select(RateTable).order_by(RateTable.code, RateTable.effective_from)
    if code is not None:
        query = query.where(RateTable.code == code)
    return list(session.scalars(query))
