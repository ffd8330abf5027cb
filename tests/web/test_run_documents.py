"""Run documents: payslip PDF (one employee and the whole run) with the net amount as text,
the register as CSV, XLSX and JSON with every employee and the concept columns, all streamed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from test_runs import calculated_run, signed_in

from coati_payroll.db import models as m


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ")


def nets(session: Session, run_id: int) -> dict[str, Decimal]:
    return {code: net for code, net in session.execute(
        sa.select(m.Employee.code, m.RunEmployee.net)
        .join(m.Employee, m.Employee.id == m.RunEmployee.employee_id)
        .where(m.RunEmployee.run_id == run_id))}


def test_payslip_pdf_holds_the_net_amount_as_text(client: FlaskClient, users: Any,
                                                  login: Callable[..., Any], engine: Engine,
                                                  session: Session) -> None:
    _, run_id = calculated_run(engine, employees=3)
    signed_in(client, login, "audit")
    employee = session.execute(sa.select(m.Employee.id).where(m.Employee.code == "E002")
                               ).scalar_one()
    response = client.get(f"/runs/{run_id}/employees/{employee}/payslip.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "$879.95" in text and "E002" in text and "Net pay" in text
    assert "Earnings" in text and "Deductions" in text and "Social security" in text


def test_payslip_pdf_in_spanish_keeps_accents(client: FlaskClient, users: Any,
                                              login: Callable[..., Any], engine: Engine,
                                              session: Session) -> None:
    _, run_id = calculated_run(engine, employees=3)
    session.execute(sa.update(m.User).where(m.User.username == "hr").values(language="es"))
    session.commit()
    signed_in(client, login, "hr")
    employee = session.execute(sa.select(m.Employee.id).where(m.Employee.code == "E002")
                               ).scalar_one()
    text = pdf_text(client.get(f"/runs/{run_id}/employees/{employee}/payslip.pdf").get_data())
    assert "Comprobante de pago" in text and "Período de pago" in text
    assert "879,95 US$" in text and "Deducciones" in text


def test_run_pdf_has_every_payslip_and_is_streamed(client: FlaskClient, users: Any,
                                                   login: Callable[..., Any], engine: Engine,
                                                   session: Session) -> None:
    _, run_id = calculated_run(engine, employees=5, failing=1)
    signed_in(client, login, "audit")
    response = client.get(f"/runs/{run_id}/payslips.pdf", buffered=False)
    assert response.is_streamed
    data = b"".join(response.response)
    response.close()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 6
    text = pdf_text(data)
    for code, net in nets(session, run_id).items():
        assert code in text
        if net:
            assert f"${net:,.2f}" in text, code
    assert "Not computed" in text  # the failed employee's page says why


def _register_rows(client: FlaskClient, path: str) -> list[list[str]]:
    response = client.get(path, buffered=False)
    assert response.status_code == 200 and response.is_streamed
    body = b"".join(response.response)
    response.close()
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


def test_register_csv_has_every_employee_and_concept_columns(
        client: FlaskClient, users: Any, login: Callable[..., Any], engine: Engine,
        session: Session) -> None:
    _, run_id = calculated_run(engine, employees=7, failing=1)
    signed_in(client, login, "audit")
    header, *rows = _register_rows(client, f"/runs/{run_id}/register.csv")
    assert header[:8] == ["employee", "name", "status", "gross", "total_deductions", "net",
                          "employer_contributions", "employer_cost"]
    assert header[8:-1] == ["BASE", "OVERTIME", "SS", "LOAN", "ER_SS"]
    assert header[-1] == "failure"
    expected = nets(session, run_id)
    assert [r[0] for r in rows] == sorted(expected)
    for row in rows:
        assert Decimal(row[5]) == expected[row[0]]
    failed = next(r for r in rows if r[2] == "error")
    assert failed[-1].startswith("unknown_input:")
    loan_row = next(r for r in rows if r[0] == "E002")
    assert loan_row[header.index("LOAN")] == "250.00"


def test_register_xlsx_is_a_workbook_with_every_employee(
        client: FlaskClient, users: Any, login: Callable[..., Any], engine: Engine,
        session: Session) -> None:
    _, run_id = calculated_run(engine, employees=4)
    signed_in(client, login, "audit")
    response = client.get(f"/runs/{run_id}/register.xlsx", buffered=False)
    assert response.is_streamed
    assert response.mimetype.endswith("spreadsheetml.sheet")
    data = b"".join(response.response)
    response.close()
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    assert "BASE" in header and "SS" in header and "ER_SS" in header
    assert [r[0] for r in body] == sorted(nets(session, run_id))
    net_column = header.index("net")
    assert {r[0]: Decimal(str(r[net_column])) for r in body} == nets(session, run_id)


def test_register_json(client: FlaskClient, users: Any, login: Callable[..., Any],
                       engine: Engine, session: Session) -> None:
    _, run_id = calculated_run(engine, employees=3)
    signed_in(client, login, "audit")
    response = client.get(f"/runs/{run_id}/register.json", buffered=False)
    assert response.is_streamed
    records = json.loads(b"".join(response.response))
    response.close()
    assert [r["employee"] for r in records] == ["E000", "E001", "E002"]
    assert records[2]["LOAN"] == "250.00" and "net" in records[0]


def test_documents_of_a_missing_run_are_404(client: FlaskClient, users: Any,
                                            login: Callable[..., Any]) -> None:
    signed_in(client, login, "audit")
    for path in ("/runs/9/register.csv", "/runs/9/register.xlsx", "/runs/9/register.json",
                 "/runs/9/payslips.pdf", "/runs/9/employees/1/payslip.pdf"):
        assert client.get(path).status_code == 404, path
