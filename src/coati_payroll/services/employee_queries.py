"""Reading employees for lists: search, filters and keyset pagination (no writes, no commit).

The list is ordered by ``(company_id, code)``, the unique index of the employees table, and
paged by keyset: a page is the next (or previous) ``limit`` rows after a cursor
``(company_id, code)``, so page 1 and page 1,000 cost the same — one indexed range scan that
stops after ``limit + 1`` rows, never an OFFSET nor a COUNT(*) over the table.

Search (``q``): every word must match the code or the national id (prefix) or the first or
last name (anywhere), case-insensitively. Filters: company, active/inactive. Text search
cannot use a B-tree index (names match anywhere); it filters rows while the index scan runs,
which stays in the tens of milliseconds at 50,000 employees (see the report in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import Employee

__all__ = ["PAGE_SIZE", "Cursor", "EmployeeFilter", "EmployeePage", "EmployeeRow",
           "search_employees"]

PAGE_SIZE: Final = 50
MAX_QUERY_WORDS: Final = 5

Status = Literal["active", "inactive", "all"]


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in the list: the ``(company_id, code)`` of a row."""

    company_id: int
    code: str

    def token(self) -> str:
        return f"{self.company_id}.{self.code}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """The cursor of ``token`` (``"3.E100"``), or None when it is missing or malformed."""
        if not token:
            return None
        company, dot, code = token.partition(".")
        if not dot or not company.isdigit() or not code or len(code) > 40:
            return None
        return cls(int(company), code)


@dataclass(frozen=True, slots=True)
class EmployeeFilter:
    q: str = ""
    company_id: int | None = None
    status: Status = "active"


@dataclass(frozen=True, slots=True)
class EmployeeRow:
    id: int
    company_id: int
    code: str
    first_name: str
    last_name: str
    national_id: str | None
    position: str | None
    hire_date: date
    termination_date: date | None
    active: bool

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.company_id, self.code)


@dataclass(frozen=True, slots=True)
class EmployeePage:
    rows: tuple[EmployeeRow, ...]
    next_cursor: Cursor | None  # the page after this one starts after it
    prev_cursor: Cursor | None  # the page before this one ends before it

    @property
    def is_empty(self) -> bool:
        return not self.rows


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(filters: EmployeeFilter) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.company_id is not None:
        conditions.append(Employee.company_id == filters.company_id)
    if filters.status == "active":
        conditions.append(Employee.active.is_(True))
    elif filters.status == "inactive":
        conditions.append(Employee.active.is_(False))
    for word in filters.q.lower().split()[:MAX_QUERY_WORDS]:
        prefix, anywhere = f"{_escape(word)}%", f"%{_escape(word)}%"
        conditions.append(sa.or_(
            sa.func.lower(Employee.code).like(prefix, escape="\\"),
            sa.func.lower(Employee.national_id).like(prefix, escape="\\"),
            sa.func.lower(Employee.first_name).like(anywhere, escape="\\"),
            sa.func.lower(Employee.last_name).like(anywhere, escape="\\"),
        ))
    return conditions


def _beyond(session: Session, cursor: Cursor, forward: bool) -> sa.ColumnElement[bool]:
    """Rows after (``forward``) or before ``cursor`` in ``(company_id, code)`` order, written
    so that the backend starts its index scan at the cursor: a row-value comparison on
    PostgreSQL and SQLite (an index condition there); on MariaDB/MySQL the OR form, which
    its range optimizer turns into two index ranges (measured: row values are scanned)."""
    if session.get_bind().dialect.name in ("postgresql", "sqlite"):
        pair = sa.tuple_(Employee.company_id, Employee.code)
        return pair > (cursor.company_id, cursor.code) if forward else \
            pair < (cursor.company_id, cursor.code)
    if forward:
        return sa.or_(Employee.company_id > cursor.company_id,
                      sa.and_(Employee.company_id == cursor.company_id,
                              Employee.code > cursor.code))
    return sa.or_(Employee.company_id < cursor.company_id,
                  sa.and_(Employee.company_id == cursor.company_id,
                          Employee.code < cursor.code))


def search_employees(session: Session, filters: EmployeeFilter, *, after: Cursor | None = None,
                     before: Cursor | None = None, limit: int = PAGE_SIZE) -> EmployeePage:
    """One page of employees matching ``filters`` (one query; rows carry the company id, the
    caller names companies from its list of them).

    ``after`` — the page that follows this cursor (``next_cursor`` of the previous page);
    ``before`` — the page that precedes it (``prev_cursor``); neither — the first page."""
    query = (
        sa.select(Employee.id, Employee.company_id, Employee.code, Employee.first_name,
                  Employee.last_name, Employee.national_id, Employee.position,
                  Employee.hire_date, Employee.termination_date, Employee.active)
        .where(*_conditions(filters))
    )  # no join: MariaDB would then drive from companies and sort (measured 140 ms at 50k)
    backwards = before is not None and after is None
    if after is not None:
        query = query.where(_beyond(session, after, forward=True))
    elif before is not None:
        query = query.where(_beyond(session, before, forward=False))
    if backwards:
        query = query.order_by(Employee.company_id.desc(), Employee.code.desc())
    else:
        query = query.order_by(Employee.company_id, Employee.code)
    fetched = [EmployeeRow(**row._asdict()) for row in session.execute(query.limit(limit + 1))]
    more = len(fetched) > limit
    rows = fetched[:limit]
    if backwards:
        rows.reverse()
        has_next, has_prev = True, more
    else:
        has_next, has_prev = more, after is not None
    return EmployeePage(
        rows=tuple(rows),
        next_cursor=rows[-1].cursor if rows and has_next else None,
        prev_cursor=rows[0].cursor if rows and has_prev else None,
    )
