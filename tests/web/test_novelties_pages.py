"""Novelty pages: list with filters, the form (good and bad input, nothing saved on error),
editing and cancelling pending novelties, and the CSV/XLSX import with row errors."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from test_runs import flashes, payroll, signed_in, token

from coati_payroll.db import models as m
from coati_payroll.db.models import NoveltyStatus

GOOD = {"company": "WEB", "employee": "E001", "input": "OT_HOURS", "value": "4.5",
        "date": "2026-01-10", "payroll": "", "note": "extra shift"}


def novelties(session: Session) -> list[tuple[str, Decimal, NoveltyStatus]]:
    session.expire_all()
    return [(code, value.normalize(), NoveltyStatus(status)) for code, value, status in
            session.execute(sa.select(m.Employee.code, m.Novelty.value, m.Novelty.status)
                            .join(m.Employee, m.Employee.id == m.Novelty.employee_id)
                            .order_by(m.Novelty.id))]


def submit(client: FlaskClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={**data, "csrf_token": token(client, "/novelties/new")})


def test_form_saves_a_pending_novelty(client: FlaskClient, users: Any,
                                      login: Callable[..., Any], engine: Engine,
                                      session: Session) -> None:
    payroll(engine, 2)
    before = novelties(session)
    signed_in(client, login)
    page = client.get("/novelties/new").get_data(as_text=True)
    assert 'id="novelty-form"' in page and 'value="WEB" selected' in page.replace(
        'selected value="WEB"', 'value="WEB" selected')
    response = submit(client, "/novelties/new", GOOD)
    assert response.status_code == 302
    assert novelties(session) == [*before, ("E001", Decimal("4.5"), NoveltyStatus.PENDING)]
    assert "Novelty saved." in flashes(client.get("/novelties/"))


def test_form_refuses_bad_input_and_saves_nothing(client: FlaskClient, users: Any,
                                                  login: Callable[..., Any], engine: Engine,
                                                  session: Session) -> None:
    payroll(engine, 2)
    before = novelties(session)
    signed_in(client, login)
    cases = [
        ({"value": "1,5"}, "Write the value with digits and &#39;.&#39; as the decimal"),
        ({"value": ""}, "Enter the value, e.g. 12.5."),
        ({"employee": ""}, "Enter the employee&#39;s code."),
        ({"date": "10/01/2026"}, "Not a valid date value."),
        ({"employee": "NOBODY"}, "no employee &#39;NOBODY&#39; in company &#39;WEB&#39;"),
        ({"employee": "<b>X</b>"}, "no employee &#39;&lt;b&gt;X&lt;/b&gt;&#39;"),
        ({"input": "MISSING"}, "Not a valid choice"),
        ({"payroll": "NOPE"}, "Not a valid choice"),
    ]
    for change, message in cases:
        response = submit(client, "/novelties/new", {**GOOD, **change})
        assert response.status_code == 422, change
        text = response.get_data(as_text=True)
        assert message in text, (change, text[text.find("field-errors"):][:300])
        assert 'class="field-errors"' in text, change
    assert novelties(session) == before


def test_duplicate_of_a_pending_novelty_is_refused(client: FlaskClient, users: Any,
                                                   login: Callable[..., Any], engine: Engine,
                                                   session: Session) -> None:
    payroll(engine, 2)
    signed_in(client, login)
    assert submit(client, "/novelties/new", GOOD).status_code == 302
    count = len(novelties(session))
    again = submit(client, "/novelties/new", GOOD)
    assert again.status_code == 422
    assert "an identical pending novelty already exists" in again.get_data(as_text=True)
    assert len(novelties(session)) == count


def test_edit_and_cancel_pending_novelties(client: FlaskClient, users: Any,
                                           login: Callable[..., Any], engine: Engine,
                                           session: Session) -> None:
    payroll(engine, 2)
    signed_in(client, login)
    submit(client, "/novelties/new", GOOD)
    novelty_id = session.execute(sa.select(sa.func.max(m.Novelty.id))).scalar_one()
    page = client.get(f"/novelties/{novelty_id}/edit").get_data(as_text=True)
    assert 'value="4.5"' in page and 'value="E001"' in page
    bad = submit(client, f"/novelties/{novelty_id}/edit", {**GOOD, "value": "x"})
    assert bad.status_code == 422
    assert novelties(session)[-1] == ("E001", Decimal("4.5"), NoveltyStatus.PENDING)
    assert submit(client, f"/novelties/{novelty_id}/edit",
                  {**GOOD, "value": "6"}).status_code == 302
    rows = novelties(session)
    assert rows[-2:] == [("E001", Decimal("4.5"), NoveltyStatus.CANCELLED),
                         ("E001", Decimal("6"), NoveltyStatus.PENDING)]
    newest = session.execute(sa.select(sa.func.max(m.Novelty.id))).scalar_one()
    response = client.post(f"/novelties/{newest}/cancel",
                           data={"csrf_token": token(client, "/novelties/")})
    assert response.status_code == 302
    assert novelties(session)[-1][2] is NoveltyStatus.CANCELLED
    # a cancelled novelty can be neither edited nor cancelled again
    assert client.get(f"/novelties/{newest}/edit").status_code == 409
    again = client.post(f"/novelties/{newest}/cancel",
                        data={"csrf_token": token(client, "/novelties/")})
    assert again.status_code == 409


def test_list_filters_by_period_and_employee(client: FlaskClient, users: Any,
                                             login: Callable[..., Any], engine: Engine) -> None:
    payroll(engine, 3)  # pending OT_HOURS novelties of E001 and E002 on 2026-01-01
    signed_in(client, login)
    submit(client, "/novelties/new", {**GOOD, "date": "2026-02-03"})
    client = client.application.test_client()
    signed_in(client, login, "audit")
    all_rows = client.get("/novelties/").get_data(as_text=True)
    assert all_rows.count("data-novelty-id=") == 3
    assert 'id="novelty-new"' not in all_rows  # audit reads only
    february = client.get("/novelties/?start=2026-02-01&end=2026-02-28").get_data(as_text=True)
    assert february.count("data-novelty-id=") == 1
    e002 = client.get("/novelties/?employee=e002").get_data(as_text=True)
    assert e002.count("data-novelty-id=") == 1
    cancelled = client.get("/novelties/?status=cancelled").get_data(as_text=True)
    assert cancelled.count("data-novelty-id=") == 0


def _upload(client: FlaskClient, name: str, data: bytes, **extra: str) -> Any:
    return client.post("/novelties/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(data), name), "csrf_token": token(client, "/novelties/import"),
        **extra})


def test_import_csv_all_or_nothing(client: FlaskClient, users: Any,
                                   login: Callable[..., Any], engine: Engine,
                                   session: Session) -> None:
    payroll(engine, 3)
    before = novelties(session)
    signed_in(client, login)
    bad = (b"employee,input,value,date\n"
           b"E001,OT_HOURS,2,2026-01-05\n"
           b"E404,OT_HOURS,3,2026-01-05\n"
           b"E002,OT_HOURS,1.5,2026-13-01\n")
    response = _upload(client, "hours.csv", bad)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="import-problems"' in text
    assert "row 3: employee" in text and "row 4: date" in text
    assert "nothing was imported" in text
    assert novelties(session) == before
    good = "employee,input,value,date\nE001,OT_HOURS,2,2026-01-05\nE002,OT_HOURS,1.5,2026-01-06\n"
    assert _upload(client, "hours.csv", good.encode()).status_code == 302
    assert novelties(session)[len(before):] == [
        ("E001", Decimal(2), NoveltyStatus.PENDING), ("E002", Decimal("1.5"),
                                                      NoveltyStatus.PENDING)]


def test_import_xlsx_and_file_checks(client: FlaskClient, users: Any,
                                     login: Callable[..., Any], engine: Engine,
                                     session: Session) -> None:
    payroll(engine, 2)
    before = len(novelties(session))
    signed_in(client, login)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["employee", "input", "value", "date", "note"])
    sheet.append(["E001", "OT_HOURS", 3, "2026-01-07", "night"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert _upload(client, "hours.xlsx", buffer.getvalue()).status_code == 302
    assert len(novelties(session)) == before + 1
    wrong_type = _upload(client, "hours.txt", b"x")
    assert wrong_type.status_code == 422
    assert "The file must be a .csv or .xlsx file." in wrong_type.get_data(as_text=True)
    columns = _upload(client, "hours.csv", b"who,what\nE001,1\n")
    assert columns.status_code == 422 and "unknown column" in columns.get_data(as_text=True)
    empty = client.post("/novelties/import",
                        data={"csrf_token": token(client, "/novelties/import")})
    assert empty.status_code == 422 and "Choose a file to import." in empty.get_data(
        as_text=True)
    assert len(novelties(session)) == before + 1


def test_audit_cannot_write_novelties(client: FlaskClient, users: Any,
                                      login: Callable[..., Any], engine: Engine,
                                      session: Session) -> None:
    payroll(engine, 2)
    before = novelties(session)
    signed_in(client, login, "audit")
    assert submit(client, "/novelties/new", GOOD).status_code == 403
    assert novelties(session) == before


def test_form_in_spanish(client: FlaskClient, users: Any, login: Callable[..., Any],
                         engine: Engine, session: Session) -> None:
    payroll(engine, 2)
    session.execute(sa.update(m.User).where(m.User.username == "hr").values(language="es"))
    session.commit()
    signed_in(client, login)
    response = submit(client, "/novelties/new", {**GOOD, "value": "1,5"})
    text = response.get_data(as_text=True)
    assert "Nueva novedad" in text and "Código del empleado" in text
    assert "Escriba el valor con dígitos" in text
