"""Rate and bracket table pages: versions by date, the rows editor, errors naming the row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.db.models import RateTable
from coati_payroll.db.testing import Factory

Token = Callable[..., str]


@pytest.fixture
def hr(client: FlaskClient, users: Any, login: Callable[..., Any]) -> FlaskClient:
    login(client, "hr")
    return client


def _post(client: FlaskClient, token: Token, url: str, data: dict[str, str]) -> Any:
    return client.post(url, data={**data, "csrf_token": token(client, "/auth/password")})


def _form(**values: str) -> dict[str, str]:
    data = {"code": "INCOME_TAX", "name": "Income tax", "kind": "progressive",
            "effective_from": "2026-01-01", "upper_inclusive": "y",
            "rows": "lower, upper, rate, fixed\n0, 100000, 0, 0\n\n100000, 200000, 0.15, 0\n"
                    "200000, , 0.25, 15000"}
    data.update(values)
    return data


def _tables(session: Session) -> list[RateTable]:
    session.expire_all()
    return list(session.scalars(sa.select(RateTable).order_by(RateTable.effective_from)))


def test_create_and_show(hr: FlaskClient, csrf_token: Token, session: Session) -> None:
    response = _post(hr, csrf_token, "/tables/new", _form())
    assert response.status_code == 302
    [table] = _tables(session)
    assert [(r.lower, r.upper, r.rate, r.fixed) for r in table.rows] == [
        (0, 100000, 0, 0), (100000, 200000, Decimal("0.15"), 0),
        (200000, None, Decimal("0.25"), 15000)]
    page = hr.get(response.headers["Location"]).get_data(as_text=True)
    assert "Table INCOME_TAX from 2026-01-01 saved." in page
    assert 'data-row="3"' in page and "no limit" in page
    index = hr.get("/tables/").get_data(as_text=True)
    assert 'data-table="INCOME_TAX"' in index and 'data-version="2026-01-01"' in index


def test_row_errors_name_the_row_and_nothing_is_saved(hr: FlaskClient, csrf_token: Token,
                                                      session: Session) -> None:
    typed = "0, 100, 0, 0\n\n150, , x, 0\n1, 2, 3, 4, 5"
    response = _post(hr, csrf_token, "/tables/new", _form(rows=typed))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "row 2 (line 3), rate: x is not a number (write 1234.56)" in page
    assert "row 3 (line 4): write lower, upper, rate, fixed" in page
    assert "150, , x, 0" in page  # what was typed stays
    gap = _post(hr, csrf_token, "/tables/new", _form(rows="0, 100, 0, 0\n\n150, , 0.1, 0"))
    text = gap.get_data(as_text=True)
    assert gap.status_code == 422 and 'id="rows-errors"' in text
    assert "row 2 (line 3)" in text
    bad = _post(hr, csrf_token, "/tables/new", _form(code="9x", name="", effective_from="x",
                                                     rows=""))
    assert bad.status_code == 422 and "x is not a date (YYYY-MM-DD)" in bad.get_data(
        as_text=True)
    assert _tables(session) == []


def test_duplicate_date_and_new_version(hr: FlaskClient, csrf_token: Token, factory: Factory,
                                        session: Session) -> None:
    table = factory.rate_table(code="SS", effective_from=date(2026, 1, 1))
    session.commit()
    taken = _post(hr, csrf_token, "/tables/new", _form(code="SS"))
    assert taken.status_code == 422
    assert "table SS already has a version from 2026-01-01" in taken.get_data(as_text=True)
    page = hr.get(f"/tables/new?from={table.id}").get_data(as_text=True)
    assert 'value="SS"' in page and "100000, , 0.15, 0" in page
    assert _post(hr, csrf_token, "/tables/new", _form(
        code="SS", effective_from="2026-07-01")).status_code == 302
    assert [t.effective_from for t in _tables(session)] == [date(2026, 1, 1), date(2026, 7, 1)]


def test_correct_a_version_and_delete_only_future(hr: FlaskClient, csrf_token: Token,
                                                  factory: Factory, session: Session) -> None:
    past = factory.rate_table(code="T", effective_from=date(2025, 1, 1))
    future = factory.rate_table(code="T", effective_from=date.today() + timedelta(days=30))
    session.commit()
    future_id = future.id
    edit = _post(hr, csrf_token, f"/tables/{past.id}/edit", _form(
        code="OTHER", effective_from="2030-01-01", rows="0, , 0.05, 0", kind="flat"))
    assert edit.status_code == 302
    first = _tables(session)[0]
    assert (first.code, first.effective_from, first.kind.value) == ("T", date(2025, 1, 1), "flat")
    assert [(r.lower, r.upper, r.rate) for r in first.rows] == [(0, None, Decimal("0.05"))]
    refused = _post(hr, csrf_token, f"/tables/{past.id}/delete", {})
    assert "cannot be deleted" in hr.get(refused.headers["Location"]).get_data(as_text=True)
    assert _post(hr, csrf_token, f"/tables/{future_id}/delete", {}).status_code == 302
    assert [t.id for t in _tables(session)] == [first.id]


def test_audit_reads_only(client: FlaskClient, users: Any, login: Callable[..., Any],
                          csrf_token: Token, factory: Factory, session: Session) -> None:
    table = factory.rate_table()
    session.commit()
    login(client, "audit")
    page = client.get(f"/tables/{table.id}").get_data(as_text=True)
    assert 'id="table-edit"' not in page
    assert client.get("/tables/new").status_code == 403
    assert _post(client, csrf_token, "/tables/new", _form()).status_code == 403


def test_spanish(client: FlaskClient, users: Any, login: Callable[..., Any],
                 csrf_token: Token, session: Session) -> None:
    users["hr"].language = "es"
    session.commit()
    login(client, "hr")
    page = client.get("/tables/new").get_data(as_text=True)
    assert "Nueva tabla o versión" in page and "Filas" in page
    response = _post(client, csrf_token, "/tables/new", _form(rows="0, 100, 0, 0\n100, 50, 0, 0"))
    assert "fila 2 (línea 2): el límite superior 50 debe ser mayor que el inferior 100" in \
        response.get_data(as_text=True)
