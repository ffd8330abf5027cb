"""A run's documents: payslip PDF (one employee), all payslips as one PDF, and the register
(one row per employee, totals and one column per concept) as CSV, XLSX or JSON.

Nothing builds the whole run in memory: the register's rows come from the database in keyset
batches (:func:`run_register.iter_register`) on a session of the download's own; CSV and JSON
are streamed as they are produced, the XLSX workbook (openpyxl write-only mode) and the run
PDF are written to a temporary file, which is then streamed in chunks and deleted.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import IO, Any

from flask import Response, stream_with_context
from flask.typing import ResponseReturnValue

from coati_payroll.services import run_queries, run_register
from coati_payroll.services.payslip_pdf import payslip_pdf_bytes, write_run_pdf
from coati_payroll.services.run_queries import RunHeader
from coati_payroll.web.extensions import db_session, state
from coati_payroll.web.runs.routes import blueprint
from coati_payroll.web.runs.texts import pdf_texts

CHUNK = 64 * 1024
BATCH = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _name(header: RunHeader, suffix: str) -> str:
    name = f"run-{header.id}-{header.definition_code}-{header.period_start.isoformat()}{suffix}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def _attachment(body: Any, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _register_rows(run_id: int) -> tuple[RunHeader, list[str], Callable[[], Iterator[Any]]]:
    """The header, the column names, and a generator of rows read on a session of its own
    (the request's session may be closed before a streamed body ends)."""
    header = run_queries.run_header(db_session(), run_id)
    codes = run_register.register_columns(db_session(), header)
    factory = state().session_factory

    def rows() -> Iterator[list[object]]:
        with factory() as session:
            yield from run_register.iter_register(session, header, codes, batch=BATCH)

    return header, run_register.register_header(codes), rows


def _stream_file(handle: IO[bytes], path: str) -> Iterator[bytes]:
    try:
        handle.seek(0)
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()
        os.unlink(path)


def _temporary() -> tuple[IO[bytes], str]:
    descriptor, path = tempfile.mkstemp(prefix="coati-", suffix=".tmp")
    return os.fdopen(descriptor, "w+b"), path


@blueprint.get("/<int:run_id>/register.csv")
def register_csv(run_id: int) -> ResponseReturnValue:
    header, columns, rows = _register_rows(run_id)

    def body() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for count, row in enumerate(rows(), 1):
            writer.writerow([_cell(v) for v in row])
            if count % 200 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return _attachment(stream_with_context(body()), "text/csv; charset=utf-8",
                       _name(header, ".csv"))


@blueprint.get("/<int:run_id>/register.json")
def register_json(run_id: int) -> ResponseReturnValue:
    header, columns, rows = _register_rows(run_id)

    def body() -> Iterator[str]:
        yield "["
        for count, row in enumerate(rows()):
            record = dict(zip(columns, (_cell(v) for v in row), strict=True))
            yield ("," if count else "") + "\n" + json.dumps(record, ensure_ascii=False)
        yield "\n]\n"

    return _attachment(stream_with_context(body()), "application/json",
                       _name(header, ".json"))


@blueprint.get("/<int:run_id>/register.xlsx")
def register_xlsx(run_id: int) -> ResponseReturnValue:
    from openpyxl import Workbook

    header, columns, rows = _register_rows(run_id)
    handle, path = _temporary()
    try:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(f"run {header.id}")
        sheet.append(columns)
        for row in rows():
            sheet.append(row)
        workbook.save(handle)
    except BaseException:
        handle.close()
        os.unlink(path)
        raise
    return _attachment(_stream_file(handle, path), XLSX, _name(header, ".xlsx"))


@blueprint.get("/<int:run_id>/payslips.pdf")
def run_pdf(run_id: int) -> ResponseReturnValue:
    header = run_queries.run_header(db_session(), run_id)
    handle, path = _temporary()
    try:
        with state().session_factory() as session:
            write_run_pdf(handle, header, run_queries.iter_payslips(session, header, batch=200),
                          pdf_texts(header.currency_code))
    except BaseException:
        handle.close()
        os.unlink(path)
        raise
    return _attachment(_stream_file(handle, path), "application/pdf",
                       _name(header, "-payslips.pdf"))


@blueprint.get("/<int:run_id>/employees/<int:employee_id>/payslip.pdf")
def payslip_pdf(run_id: int, employee_id: int) -> ResponseReturnValue:
    session = db_session()
    header = run_queries.run_header(session, run_id)
    slip = run_queries.payslip_view(session, header, employee_id)
    data = payslip_pdf_bytes(header, slip, pdf_texts(header.currency_code))
    return _attachment(data, "application/pdf",
                       _name(header, f"-{slip.code}.pdf"))
