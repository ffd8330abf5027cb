"""Read models of a payroll run for the web pages and documents, sized for runs of 10,000+
employees: every function issues a fixed number of statements, whatever the headcount.

* :func:`run_header` — the run with its payroll definition, company and currency (1 query;
  the large ``snapshot`` column is not loaded).
* :func:`review_page` — one page of employees (search by code or name, filter by status) in
  (code, id) order, reached by keyset (``after``/``before`` a :class:`ReviewCursor`, so a
  later page costs what the first does): a COUNT, the page's rows (+ their lines) — 2 or 3
  queries.
* :func:`payslip_view` — one employee's payslip with every line and its trace (2 queries);
  :func:`employee_lines` — the lines alone, without trace (2 queries).
* :func:`previous_run_id` — the latest earlier run of the same definition that is not voided.
* :func:`iter_payslips` — every employee in code order, loaded in keyset batches (2 queries
  per batch), for the run PDF and the register exports (:mod:`run_register`): memory stays
  bounded by the batch size.

The list of runs is in :mod:`coati_payroll.services.run_lists`.

Amounts are quantized to the currency's minor unit (``12.50``), as the payslip shows them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.model import ConceptKind
from coati_payroll.core.results import PayslipStatus
from coati_payroll.db import models as m
from coati_payroll.db.models import RunStatus
from coati_payroll.services.errors import NotFound
from coati_payroll.services.runs_results import TOTAL_COLUMNS

__all__ = [
    "REVIEW_STATUSES",
    "LineView",
    "PayslipView",
    "ReviewPage",
    "ReviewCursor",
    "RunHeader",
    "employee_lines",
    "iter_payslips",
    "payslip_view",
    "previous_run_id",
    "quantizer",
    "review_page",
    "run_header",
]

ZERO: Final = Decimal(0)
REVIEW_STATUSES: Final = tuple(s.value for s in PayslipStatus)
MAX_PER_PAGE: Final = 200
_RE = m.RunEmployee
_LINE = m.RunLine


@dataclass(frozen=True, slots=True)
class RunHeader:
    id: int
    definition_id: int
    definition_code: str
    definition_name: str
    company_name: str
    company_legal_name: str | None
    company_tax_id: str | None
    currency_code: str
    minor_unit: Decimal
    period_start: date
    period_end: date
    payment_date: date | None
    status: RunStatus
    employees: int
    computed: int
    excluded: int
    failed: int
    totals: dict[str, Decimal]
    progress_total: int
    progress_done: int
    progress_failed: int
    calculated_at: datetime | None
    approved_at: datetime | None
    applied_at: datetime | None
    voided_at: datetime | None
    void_reason: str | None
    error_message: str | None

    def money(self, value: Decimal | None) -> Decimal:
        """``value`` at the currency's scale (``12.50``)."""
        return quantizer(self.minor_unit)(ZERO if value is None else value)


@dataclass(frozen=True, slots=True)
class LineView:
    code: str
    name: str
    kind: ConceptKind
    amount: Decimal
    loan_id: int | None = None
    trace: dict[str, Any] = field(default_factory=dict)

    @property
    def formula(self) -> str:
        return str(self.trace.get("formula") or "")

    @property
    def values_read(self) -> dict[str, Any]:
        return dict(self.trace.get("values") or {})

    @property
    def table_rows(self) -> list[dict[str, Any]]:
        return list(self.trace.get("table_rows") or ())

    @property
    def unrounded(self) -> str | None:
        value = self.trace.get("unrounded")
        return None if value is None else str(value)

    @property
    def note(self) -> str:
        return str(self.trace.get("note") or "")


@dataclass(frozen=True, slots=True)
class PayslipView:
    """One employee's payslip: identity, status, totals, lines, notices, failure, YTD."""

    run_employee_id: int
    employee_id: int
    code: str
    name: str
    national_id: str | None
    position: str | None
    cost_center: str | None
    status: PayslipStatus
    totals: dict[str, Decimal]
    notices: list[dict[str, Any]]
    failure: dict[str, Any] | None
    ytd_after: dict[str, Decimal]
    loan_balances: dict[str, Decimal]
    lines: tuple[LineView, ...] = ()

    def of_kind(self, kind: str) -> list[LineView]:
        return [line for line in self.lines if line.kind.value == kind]


@dataclass(frozen=True, slots=True)
class ReviewCursor:
    """A position in the review: the employee code and run-employee id of a row."""

    code: str
    id: int

    def token(self) -> str:
        return f"{self.id}.{self.code}"

    @classmethod
    def parse(cls, token: str | None) -> ReviewCursor | None:
        """The cursor of ``token`` (``"812.E100"``), or None when missing or malformed."""
        id_, dot, code = (token or "").partition(".")
        if not dot or not id_.isdigit() or len(id_) > 18 or not code or len(code) > 40:
            return None
        return cls(code, int(id_))


@dataclass(frozen=True, slots=True)
class ReviewPage:
    rows: tuple[PayslipView, ...]
    total: int
    page: int  # its number, as told by the caller for a keyset page (a label only)
    per_page: int
    next_cursor: ReviewCursor | None = None  # the next page is after it
    prev_cursor: ReviewCursor | None = None  # the previous page is before it

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def quantizer(minor_unit: Decimal) -> Callable[[Decimal], Decimal]:
    exponent = minor_unit.normalize().as_tuple().exponent
    unit = Decimal(1).scaleb(exponent) if isinstance(exponent, int) and exponent < 0 \
        else Decimal(1)
    return lambda value: value.quantize(unit)


def run_header(session: Session, run_id: int) -> RunHeader:
    """The run's header, or :class:`NotFound`."""
    run, definition = m.PayrollRun, m.PayrollDefinition
    row = session.execute(
        sa.select(run.id, run.definition_id, definition.code, definition.name, m.Company.name,
                  m.Company.legal_name, m.Company.tax_id, definition.currency_code,
                  m.Currency.minor_unit, run.period_start, run.period_end, run.payment_date,
                  run.status, run.employees, run.computed, run.excluded, run.failed,
                  *(getattr(run, name) for name in TOTAL_COLUMNS), run.progress_total,
                  run.progress_done, run.progress_failed, run.calculated_at, run.approved_at,
                  run.applied_at, run.voided_at, run.void_reason, run.error_message)
        .join(definition, definition.id == run.definition_id)
        .join(m.Company, m.Company.id == definition.company_id)
        .outerjoin(m.Currency, m.Currency.code == definition.currency_code)
        .where(run.id == run_id)).first()
    if row is None:
        raise NotFound(f"payroll run {run_id} does not exist", run_id=run_id)
    values = list(row)
    minor = values[8] if values[8] is not None else Decimal("0.01")
    money = quantizer(minor)
    totals = {name: money(value if value is not None else ZERO)
              for name, value in zip(TOTAL_COLUMNS, values[17:22], strict=True)}
    counts = [int(v or 0) for v in (*values[13:17], *values[22:25])]
    return RunHeader(
        id=values[0], definition_id=values[1], definition_code=values[2],
        definition_name=values[3], company_name=values[4], company_legal_name=values[5],
        company_tax_id=values[6], currency_code=values[7], minor_unit=minor,
        period_start=values[9], period_end=values[10], payment_date=values[11],
        status=RunStatus(values[12]), employees=counts[0], computed=counts[1],
        excluded=counts[2], failed=counts[3], totals=totals, progress_total=counts[4],
        progress_done=counts[5], progress_failed=counts[6], calculated_at=values[25],
        approved_at=values[26], applied_at=values[27], voided_at=values[28],
        void_reason=values[29], error_message=values[30])


# -- rows and lines -------------------------------------------------------------------------

_ROW_COLUMNS: Final = (
    _RE.id, _RE.employee_id, m.Employee.code, m.Employee.first_name, m.Employee.last_name,
    m.Employee.national_id, m.Employee.position, m.Employee.cost_center, _RE.status,
    *(getattr(_RE, name) for name in TOTAL_COLUMNS), _RE.notices, _RE.failure, _RE.ytd_after,
    _RE.loan_balances)


def _rows_query(run_id: int) -> sa.Select[Any]:
    return (sa.select(*_ROW_COLUMNS)
            .join(m.Employee, m.Employee.id == _RE.employee_id)
            .where(_RE.run_id == run_id))


def _view(row: Sequence[Any], money: Callable[[Decimal], Decimal],
          lines: Sequence[LineView] = ()) -> PayslipView:
    (re_id, employee_id, code, first, last, national_id, position, cost_center, status,
     *rest) = row
    amounts, (notices, failure, ytd_after, loan_balances) = rest[:5], rest[5:]
    return PayslipView(
        re_id, employee_id, code, f"{first} {last}".strip(), national_id, position,
        cost_center, PayslipStatus(status),
        {name: money(v if v is not None else ZERO)
         for name, v in zip(TOTAL_COLUMNS, amounts, strict=True)},
        list(notices or ()), failure or None,
        {k: money(Decimal(v)) for k, v in (ytd_after or {}).items()},
        {k: money(Decimal(v)) for k, v in (loan_balances or {}).items()},
        tuple(lines))


def _lines(session: Session, run_employee_ids: Sequence[int],
           money: Callable[[Decimal], Decimal], *,
           with_trace: bool) -> dict[int, list[LineView]]:
    found: dict[int, list[LineView]] = defaultdict(list)
    if not run_employee_ids:
        return found
    columns = [_LINE.run_employee_id, _LINE.code, _LINE.name, _LINE.kind, _LINE.amount,
               _LINE.loan_id]
    if with_trace:
        columns.append(_LINE.trace)
    row: Any
    for row in session.execute(
            sa.select(*columns).where(_LINE.run_employee_id.in_(list(run_employee_ids)))
            .order_by(_LINE.run_employee_id, _LINE.position)):
        found[row[0]].append(LineView(
            row[1], row[2], ConceptKind(row[3]), money(row[4]), row[5],
            dict(row[6] or {}) if with_trace else {}))
    return found


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def review_page(session: Session, header: RunHeader, *, search: str = "",
                status: str | None = None, after: ReviewCursor | None = None,
                before: ReviewCursor | None = None, page: int = 1, per_page: int = 50,
                with_lines: bool = True) -> ReviewPage:
    """One page of the run's employees in (code, id) order (count, rows and, ``with_lines``,
    their lines: 3 queries at most).

    ``after`` — the page following that cursor, ``before`` — the one preceding it (keyset:
    no OFFSET, every page costs the same); neither — page ``page`` by OFFSET (a direct jump).
    With a cursor ``page`` is only the number to show. ``search`` matches the employee code
    or name (case-insensitive, part of it); ``status`` is one of :data:`REVIEW_STATUSES`
    (anything else: all)."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    conditions: list[Any] = [_RE.run_id == header.id]
    if status in REVIEW_STATUSES:
        conditions.append(_RE.status == status)
    term = search.strip().lower()
    if term:
        pattern = f"%{_escape_like(term)}%"
        full_name = sa.func.lower(m.Employee.first_name + " " + m.Employee.last_name)
        conditions.append(sa.or_(sa.func.lower(m.Employee.code).like(pattern, escape="\\"),
                                 full_name.like(pattern, escape="\\")))
    total = session.execute(
        sa.select(sa.func.count()).select_from(_RE)
        .join(m.Employee, m.Employee.id == _RE.employee_id).where(*conditions)).scalar_one()
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    key = sa.tuple_(m.Employee.code, _RE.id)
    query = sa.select(*_ROW_COLUMNS).join(m.Employee, m.Employee.id == _RE.employee_id)
    backwards = before is not None and after is None
    if after is not None:
        query = query.where(*conditions, key > sa.tuple_(after.code, after.id))
    elif before is not None:
        query = query.where(*conditions, key < sa.tuple_(before.code, before.id))
    else:
        query = query.where(*conditions).offset((page - 1) * per_page)
    order = (m.Employee.code.desc(), _RE.id.desc()) if backwards else (m.Employee.code, _RE.id)
    rows = list(session.execute(query.order_by(*order).limit(per_page + 1)).all())
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
        has_next, has_prev = True, more
        page = page if more else 1
    else:
        has_next, has_prev = more, after is not None or page > 1
    money = header.money
    lines = _lines(session, [r[0] for r in rows], money, with_trace=False) if with_lines \
        else {}
    return ReviewPage(tuple(_view(r, money, lines.get(r[0], ())) for r in rows), total, page,
                      per_page,
                      ReviewCursor(rows[-1][2], rows[-1][0]) if rows and has_next else None,
                      ReviewCursor(rows[0][2], rows[0][0]) if rows and has_prev else None)


def payslip_view(session: Session, header: RunHeader, employee_id: int) -> PayslipView:
    """One employee's payslip with every line and its trace (2 queries), or NotFound."""
    row = session.execute(_rows_query(header.id).where(_RE.employee_id == employee_id)).first()
    if row is None:
        raise NotFound(f"employee {employee_id} is not in payroll run {header.id}",
                       run_id=header.id, employee_id=employee_id)
    lines = _lines(session, [row[0]], header.money, with_trace=True)
    return _view(row, header.money, lines.get(row[0], ()))


def employee_lines(session: Session, header: RunHeader, employee_id: int) -> list[LineView]:
    """The lines of one employee of the run, without their trace (2 queries), or NotFound."""
    run_employee_id = session.execute(sa.select(_RE.id).where(
        _RE.run_id == header.id, _RE.employee_id == employee_id)).scalar_one_or_none()
    if run_employee_id is None:
        raise NotFound(f"employee {employee_id} is not in payroll run {header.id}",
                       run_id=header.id, employee_id=employee_id)
    return _lines(session, [run_employee_id], header.money, with_trace=False).get(
        run_employee_id, [])


def previous_run_id(session: Session, header: RunHeader) -> int | None:
    """The latest run of the same definition that ended before this one starts and is not
    voided (the one to compare with), or None."""
    run = m.PayrollRun
    return session.execute(
        sa.select(run.id).where(run.definition_id == header.definition_id,
                                run.period_end < header.period_start,
                                run.status != RunStatus.VOIDED)
        .order_by(run.period_end.desc(), run.id.desc()).limit(1)).scalar_one_or_none()


# -- every employee, in batches ---------------------------------------------------------------

def _batches(session: Session, header: RunHeader, batch: int) -> Iterator[Sequence[Any]]:
    """The run's employee rows in (code, id) order, ``batch`` at a time (keyset paging)."""
    after: tuple[str, int] | None = None
    while True:
        query = _rows_query(header.id)
        if after is not None:
            query = query.where(sa.tuple_(m.Employee.code, _RE.id) > sa.tuple_(*after))
        rows = session.execute(query.order_by(m.Employee.code, _RE.id).limit(batch)).all()
        if not rows:
            return
        yield rows
        after = (rows[-1][2], rows[-1][0])
        if len(rows) < batch:
            return


def iter_payslips(session: Session, header: RunHeader, *, batch: int = 200,
                  with_trace: bool = False) -> Iterator[PayslipView]:
    """Every payslip of the run in employee-code order (2 queries per ``batch``)."""
    for rows in _batches(session, header, batch):
        lines = _lines(session, [r[0] for r in rows], header.money, with_trace=with_trace)
        for row in rows:
            yield _view(row, header.money, lines.get(row[0], ()))
