"""A run's results in the database: bulk writing of payslips, and reading them back.

Writing (:func:`write_payslips`) is two bulk INSERTs per chunk — ``run_employees`` (with
``RETURNING id`` where the backend has it, else one SELECT of the chunk's ids) and
``run_lines`` — through ``Session.execute(insert, list_of_dicts)`` (executemany with
insertmanyvalues batching); no ORM object is created per row.

Reading: :func:`result_rows` gives the export rows (one per employee, totals and one column per
concept code) in two SELECTs; :func:`payslip_from_rows` rebuilds a core ``Payslip`` (for
comparisons with an in-memory calculation).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from coati_payroll.core.model import ConceptKind
from coati_payroll.core.results import (
    BASE_LINE,
    EmployeeFailure,
    Line,
    Notice,
    Payslip,
    PayslipStatus,
    Trace,
)
from coati_payroll.db import models as m
from coati_payroll.services.snapshot import EmployeeSource, employee_to_json, plain

ZERO: Final = Decimal(0)
TOTAL_COLUMNS: Final = ("gross", "total_deductions", "net", "employer_contributions",
                        "employer_cost")

_EMPLOYEES = cast(sa.Table, m.RunEmployee.__table__)
_LINES = cast(sa.Table, m.RunLine.__table__)


class _EncodedJSON(sa.types.TypeDecorator[str]):
    """A JSON document already encoded as text. Results are plain dicts of strings built
    here, so the generic conversion of ``JSONDocument`` (a recursive walk per value) is
    skipped on the hot path: it was the largest cost of writing a run."""

    impl = sa.JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


def _encoded(table: sa.Table, columns: Sequence[str]) -> sa.Insert:
    return sa.insert(table).values(
        {name: sa.bindparam(f"{name}_json", type_=_EncodedJSON()) for name in columns})


_EMPLOYEE_JSON = ("notices", "failure", "ytd_after", "loan_balances", "employee_snapshot")
_INSERT_EMPLOYEES = _encoded(_EMPLOYEES, _EMPLOYEE_JSON)
_INSERT_LINES = _encoded(_LINES, ("trace",))
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _null_or_json(value: object) -> str | None:
    return None if value is None else _encode(value)


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def trace_json(trace: Trace) -> dict[str, Any]:
    """A line's trace as JSON data: formula, values read (name → value), table rows used,
    the unrounded amount and the note (empty parts left out)."""
    doc: dict[str, Any] = {"formula": trace.formula}
    if trace.values:
        doc["values"] = {name: _json_value(value) for name, value in trace.values}
    if trace.table_rows:
        doc["table_rows"] = [
            {"table": hit.table, "row": hit.row, "lower": format(hit.lower, "f"),
             "upper": None if hit.upper is None else format(hit.upper, "f"),
             "rate": format(hit.rate, "f"), "fixed": format(hit.fixed, "f"),
             "input": format(hit.input, "f"), "result": format(hit.result, "f")}
            for hit in trace.table_rows]
    if trace.unrounded is not None:
        doc["unrounded"] = format(trace.unrounded, "f")
    if trace.note:
        doc["note"] = trace.note
    return doc


def _params(params: Mapping[str, object]) -> dict[str, object]:
    return {key: _json_value(value) for key, value in params.items()}


def write_payslips(session: Session, run_id: int, sources: Sequence[EmployeeSource],
                   payslips: Sequence[Payslip]) -> None:
    """Insert one chunk of results (``payslips[i]`` is ``sources[i]``'s) with two bulk
    INSERTs (plus one SELECT on a backend without multi-row RETURNING)."""
    employee_rows = []
    for source, slip in zip(sources, payslips, strict=True):
        failure = slip.failure
        employee_rows.append({
            "run_id": run_id, "employee_id": source.db_id, "status": slip.status,
            "gross": slip.gross, "total_deductions": slip.total_deductions, "net": slip.net,
            "employer_contributions": slip.employer_contributions,
            "employer_cost": slip.employer_cost,
            "notices_json": _encode(
                [{"code": n.code, "params": _params(n.params)} for n in slip.notices]),
            "failure_json": _null_or_json(None if failure is None else {
                "code": failure.code, "message": failure.message, "concept": failure.concept,
                "params": _params(failure.params)}),
            "ytd_after_json": _encode({k: format(v, "f") for k, v in slip.ytd_after.items()}),
            "loan_balances_json": _encode(
                {k: format(v, "f") for k, v in slip.loan_balances.items()}),
            "employee_snapshot_json": _encode(
                employee_to_json(source.employee, source.novelty_ids)),
        })
    if not employee_rows:
        return
    ids = _insert_employees(session, run_id, employee_rows)
    line_rows = []
    for source, slip in zip(sources, payslips, strict=True):
        run_employee_id = ids[source.db_id]
        for position, line in enumerate(slip.lines):
            line_rows.append({
                "run_employee_id": run_employee_id, "run_id": run_id, "position": position,
                "code": line.code, "name": line.name, "kind": line.kind, "amount": line.amount,
                "loan_id": None if line.loan_id is None else int(line.loan_id),
                "trace_json": _encode(trace_json(line.trace))})
    if line_rows:
        _insert(session, _INSERT_LINES, _LINES, line_rows)


def _insert_employees(session: Session, run_id: int,
                      rows: list[dict[str, Any]]) -> dict[int, int]:
    """Insert ``rows`` and return employee id → run_employees id."""
    dialect = session.get_bind().dialect
    if dialect.driver == "psycopg":
        _insert(session, _INSERT_EMPLOYEES, _EMPLOYEES, rows)
    elif dialect.insert_executemany_returning:
        # Rows come back in any order; each names its employee, so no order is needed.
        result = session.execute(
            _INSERT_EMPLOYEES.returning(_EMPLOYEES.c.id, _EMPLOYEES.c.employee_id), rows)
        return {employee_id: row_id for row_id, employee_id in result}
    else:
        session.execute(_INSERT_EMPLOYEES, rows)
    employee_ids = [row["employee_id"] for row in rows]
    found = session.execute(
        sa.select(_EMPLOYEES.c.employee_id, _EMPLOYEES.c.id)
        .where(_EMPLOYEES.c.run_id == run_id,
               _EMPLOYEES.c.employee_id.between(min(employee_ids), max(employee_ids))))
    return {employee_id: row_id for employee_id, row_id in found}


def _insert(session: Session, statement: sa.Insert, table: sa.Table,
            rows: list[dict[str, Any]]) -> None:
    """Bulk-insert ``rows``: ``COPY … FROM STDIN`` on PostgreSQL with psycopg (several times
    faster than any INSERT form for wide rows), else one executemany. The COPY bypasses the
    column types: values here are already exact (amounts rounded by the currency policy,
    JSON encoded), and PostgreSQL checks every constraint as for an INSERT."""
    if session.get_bind().dialect.driver != "psycopg":
        session.execute(statement, rows)
        return
    keys = list(rows[0])
    columns = [key.removesuffix("_json") for key in keys]
    connection = session.connection()
    raw = connection.connection.driver_connection
    assert raw is not None
    command = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor:
        # The COPY goes to the driver directly; tell the engine's statement listeners
        # (query counters, logging) about it like any other statement.
        connection.dispatch.before_cursor_execute(connection, cursor, command, (), None, True)
        with cursor.copy(command) as copy:
            for row in rows:
                copy.write_row([row[key] for key in keys])


def delete_results(session: Session, run_id: int) -> None:
    """Remove every result of the run (two DELETEs: lines, then employees)."""
    session.execute(sa.delete(_LINES).where(_LINES.c.run_id == run_id))
    session.execute(sa.delete(_EMPLOYEES).where(_EMPLOYEES.c.run_id == run_id))


# -- reading ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ResultRow:
    """One employee of a run, for exports and comparisons: totals and the sum of its lines
    per concept code (``BASE`` included)."""

    employee_id: int
    code: str
    name: str
    status: PayslipStatus
    totals: Mapping[str, Decimal]
    concepts: Mapping[str, Decimal]
    failure: str | None = None


@dataclass(frozen=True, slots=True)
class RunResults:
    """Every employee row of a run and the concept codes in payslip order."""

    run_id: int
    concept_codes: tuple[str, ...]
    rows: tuple[ResultRow, ...]
    zero: Decimal = ZERO  #: 0 at the currency's scale, for absent concepts

    def table(self) -> tuple[list[str], list[list[object]]]:
        """Header and rows for CSV/XLSX/JSON: employee code, name, status, the totals, one
        column per concept code, failure message. Amounts stay Decimal."""
        header = ["employee", "name", "status", *TOTAL_COLUMNS, *self.concept_codes, "failure"]
        body: list[list[object]] = []
        for row in self.rows:
            body.append([row.code, row.name, row.status.value,
                         *(row.totals[name] for name in TOTAL_COLUMNS),
                         *(row.concepts.get(code, self.zero) for code in self.concept_codes),
                         row.failure or ""])
        return header, body


def currency_scale(snapshot: Mapping[str, Any] | None) -> Callable[[Decimal], Decimal]:
    """How to show amounts of a run: at its currency's scale (``12.50``), from the run
    snapshot; without one, without trailing zeros."""
    minor = ((snapshot or {}).get("setup") or {}).get("currency", {}).get("minor_unit")
    exponent = Decimal(minor).as_tuple().exponent if minor else None
    if isinstance(exponent, int) and exponent <= 0:
        unit = Decimal(1).scaleb(exponent)
        return lambda value: value.quantize(unit)
    return plain


def result_rows(session: Session, run_id: int) -> RunResults:
    """The run's results in employee-code order (three SELECTs). Concept columns: BASE, then
    the run's concepts (earnings, deductions, employer concepts; declaration order)."""
    snapshot = session.execute(sa.select(m.PayrollRun.snapshot)
                               .where(m.PayrollRun.id == run_id)).scalar_one_or_none() or {}
    money = currency_scale(snapshot)
    lines: dict[int, dict[str, Decimal]] = defaultdict(dict)
    order: dict[str, int] = {}
    for run_employee_id, code, amount, position in session.execute(
            sa.select(_LINES.c.run_employee_id, _LINES.c.code, _LINES.c.amount,
                      _LINES.c.position).where(_LINES.c.run_id == run_id)):
        own = lines[run_employee_id]
        own[code] = money(own.get(code, ZERO) + amount)
        order[code] = min(order.get(code, position), position)
    rows = []
    for row in session.execute(
            sa.select(_EMPLOYEES.c.id, _EMPLOYEES.c.employee_id, m.Employee.code,
                      m.Employee.first_name, m.Employee.last_name, _EMPLOYEES.c.status,
                      *(_EMPLOYEES.c[name] for name in TOTAL_COLUMNS), _EMPLOYEES.c.failure)
            .join(m.Employee, m.Employee.id == _EMPLOYEES.c.employee_id)
            .where(_EMPLOYEES.c.run_id == run_id).order_by(m.Employee.code)):
        run_employee_id, employee_id, code, first, last, status, *totals, failure = row
        rows.append(ResultRow(
            employee_id, code, f"{first} {last}".strip(), PayslipStatus(status),
            MappingProxyType({name: money(v) for name, v in zip(TOTAL_COLUMNS, totals,
                                                                strict=True)}),
            MappingProxyType(lines.get(run_employee_id, {})),
            None if not failure else f"{failure['code']}: {failure['message']}"))
    kinds = [ConceptKind.EARNING.value, ConceptKind.DEDUCTION.value, ConceptKind.EMPLOYER.value]
    declared = sorted(snapshot.get("setup", {}).get("concepts", ()),
                      key=lambda c: kinds.index(c["kind"]))
    codes = [BASE_LINE, *(c["code"] for c in declared)]
    codes += sorted(set(order) - set(codes), key=lambda code: (order[code], code))
    zero = money(ZERO)
    return RunResults(run_id, tuple(codes), tuple(rows), zero)


def payslips_of(session: Session, run_id: int) -> dict[int, Payslip]:
    """Every payslip of the run rebuilt as core objects, by employee id (database id; loan
    ids are the database loan ids as text). Traces keep only the formula."""
    lines: dict[int, list[Line]] = defaultdict(list)
    for run_employee_id, code, name, kind, amount, loan_id, trace in session.execute(
            sa.select(_LINES.c.run_employee_id, _LINES.c.code, _LINES.c.name, _LINES.c.kind,
                      _LINES.c.amount, _LINES.c.loan_id, _LINES.c.trace)
            .where(_LINES.c.run_id == run_id)
            .order_by(_LINES.c.run_employee_id, _LINES.c.position)):
        lines[run_employee_id].append(Line(
            code, name, ConceptKind(kind), plain(amount),
            Trace((trace or {}).get("formula", "")),
            None if loan_id is None else str(loan_id)))
    payslips: dict[int, Payslip] = {}
    for row in session.execute(sa.select(_EMPLOYEES).where(_EMPLOYEES.c.run_id == run_id)):
        failure = row.failure
        payslips[row.employee_id] = Payslip(
            str(row.employee_id), PayslipStatus(row.status), tuple(lines.get(row.id, ())),
            plain(row.gross), plain(row.total_deductions), plain(row.net),
            plain(row.employer_contributions), plain(row.employer_cost),
            tuple(Notice(n["code"], MappingProxyType(n["params"])) for n in row.notices or ()),
            MappingProxyType({k: Decimal(v) for k, v in (row.ytd_after or {}).items()}),
            MappingProxyType({k: Decimal(v) for k, v in (row.loan_balances or {}).items()}),
            None if not failure else EmployeeFailure(
                failure["code"], failure["message"], failure["concept"],
                MappingProxyType(failure["params"])))
    return payslips
