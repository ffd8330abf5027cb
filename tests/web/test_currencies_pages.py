"""Currency and exchange-rate pages: forms (good and bad input), activation, the rate import
(CSV and XLSX; all or nothing), Spanish."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.db.models import Currency, ExchangeRate
from coati_payroll.db.testing import Factory
from coati_payroll.services.tabular import write_xlsx


def _hr(client: FlaskClient, login: Callable[..., Any], who: str = "hr") -> FlaskClient:
    assert login(client, who).status_code == 302
    return client


def _rates(session: Session) -> list[tuple[str, str, date, Decimal]]:
    session.expire_all()
    return [tuple(row) for row in session.execute(  # type: ignore[misc]
        sa.select(ExchangeRate.from_code, ExchangeRate.to_code, ExchangeRate.effective_date,
                  ExchangeRate.rate).order_by(ExchangeRate.effective_date))]


def test_create_and_list(client: FlaskClient, users: Any, login: Callable[..., Any],
                         csrf_token: Callable[..., str], session: Session) -> None:
    _hr(client, login)
    assert "No currencies yet." in client.get("/currencies/").get_data(as_text=True)
    response = client.post("/currencies/new", data={
        "csrf_token": csrf_token(client, "/currencies/new"), "code": "NIO",
        "name": "Córdoba", "symbol": "C$", "minor_unit": "0,01", "rounding_mode": "HALF_EVEN"})
    assert response.status_code == 302
    page = client.get("/currencies/").get_data(as_text=True)
    assert "Currency NIO created." in page and "Córdoba" in page
    currency = session.scalars(sa.select(Currency)).one()
    assert currency.minor_unit == Decimal("0.01") and currency.rounding_mode == "HALF_EVEN"


def test_create_bad_input(client: FlaskClient, users: Any, login: Callable[..., Any],
                          csrf_token: Callable[..., str], session: Session) -> None:
    _hr(client, login)
    response = client.post("/currencies/new", data={
        "csrf_token": csrf_token(client, "/currencies/new"), "code": "usd", "name": "",
        "minor_unit": "1.234,5", "rounding_mode": "SIDEWAYS"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Use 2-10 upper-case letters or digits" in page
    assert "Enter a name." in page
    assert "Enter a number such as 1234.56 (no thousands separator)." in page
    assert "Not a valid choice" in page
    assert 'value="1.234,5"' in page
    response = client.post("/currencies/new", data={
        "csrf_token": csrf_token(client, "/currencies/new"), "code": "USD", "name": "Dollar",
        "minor_unit": "0", "rounding_mode": "HALF_UP"})
    assert response.status_code == 422
    assert "must be greater than 0" in response.get_data(as_text=True)
    assert session.scalars(sa.select(Currency)).all() == []


def test_edit_and_deactivate(client: FlaskClient, users: Any, login: Callable[..., Any],
                             csrf_token: Callable[..., str], factory: Factory,
                             session: Session) -> None:
    factory.currency(code="USD", name="Dollar")
    session.commit()
    _hr(client, login)
    assert 'value="0.01"' in client.get("/currencies/USD/edit").get_data(as_text=True)
    token = csrf_token(client, "/currencies/USD/edit")
    bad = client.post("/currencies/USD/edit", data={"csrf_token": token, "name": "x" * 101,
                                                    "minor_unit": "0.01",
                                                    "rounding_mode": "HALF_UP"})
    assert bad.status_code == 422 and "At most 100 characters." in bad.get_data(as_text=True)
    good = client.post("/currencies/USD/edit", data={"csrf_token": token, "name": "US dollar",
                                                     "symbol": "$", "minor_unit": "1",
                                                     "rounding_mode": "DOWN"})
    assert good.status_code == 302
    session.expire_all()
    currency = session.scalars(sa.select(Currency)).one()
    assert (currency.name, currency.minor_unit, currency.rounding_mode) == (
        "US dollar", Decimal("1"), "DOWN")
    page = client.post("/currencies/USD/deactivate", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Currency USD deactivated." in page
    page = client.post("/currencies/USD/deactivate", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "USD is already inactive" in page
    assert client.post("/currencies/XXX/activate", data={"csrf_token": token}).status_code == 404


def test_rate_form(client: FlaskClient, users: Any, login: Callable[..., Any],
                   csrf_token: Callable[..., str], factory: Factory, session: Session) -> None:
    factory.currency(code="USD")
    factory.currency(code="NIO")
    session.commit()
    _hr(client, login)
    token = csrf_token(client, "/currencies/rates/new")
    bad = client.post("/currencies/rates/new", data={
        "csrf_token": token, "from_code": "USD", "to_code": "USD", "effective_date": "",
        "rate": "abc"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "Enter a date." in page and "Enter a number such as 1234.56" in page
    bad = client.post("/currencies/rates/new", data={
        "csrf_token": token, "from_code": "USD", "to_code": "USD",
        "effective_date": "2026-01-01", "rate": "36.6243"})
    assert bad.status_code == 422
    assert "must differ from from_code" in bad.get_data(as_text=True)
    assert _rates(session) == []
    good = client.post("/currencies/rates/new", data={
        "csrf_token": token, "from_code": "USD", "to_code": "NIO",
        "effective_date": "2026-01-01", "rate": "36.6243"})
    assert good.status_code == 302
    assert _rates(session) == [("USD", "NIO", date(2026, 1, 1), Decimal("36.6243"))]
    page = client.get("/currencies/rates?from=USD").get_data(as_text=True)
    assert "36.6243" in page and "Jan 1, 2026" in page
    assert "No exchange rates match these filters." in client.get(
        "/currencies/rates?from=NIO").get_data(as_text=True)


def _upload(client: FlaskClient, token: str, name: str, data: bytes) -> Any:
    return client.post("/currencies/rates/import", data={
        "csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def test_import_csv_all_or_nothing(client: FlaskClient, users: Any, login: Callable[..., Any],
                                   csrf_token: Callable[..., str], factory: Factory,
                                   session: Session) -> None:
    factory.currency(code="USD")
    factory.currency(code="NIO")
    session.commit()
    _hr(client, login)
    token = csrf_token(client, "/currencies/rates/import")
    bad = _upload(client, token, "rates.csv", (
        b"from_code,to_code,effective_date,rate\n"
        b"USD,NIO,2026-01-01,36.6243\n"
        b"USD,EUR,2026-01-02,0.9\n"
        b"USD,NIO,01/03/2026,abc\n"))
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "Problems found" in page
    assert "row 4: effective_date" in page and "is not a date (YYYY-MM-DD)" in page
    assert "row 4: rate" in page and "is not an amount" in page
    assert "1 row(s) have problems; nothing was imported" in page
    assert _rates(session) == []
    ragged = _upload(client, token, "rates.csv", b"from_code,to_code,effective_date,rate\n"
                                                 b"USD,NIO,2026-01-01,1,5\n")
    assert ragged.status_code == 422
    assert "rates.csv: row 2 has more cells than the 4 columns of the header" in \
        ragged.get_data(as_text=True)
    bad = _upload(client, token, "rates.csv", (
        b"from_code,to_code,effective_date,rate\nUSD,EUR,2026-01-02,0.9\n"))
    assert "row 2: to_code" in bad.get_data(as_text=True)
    assert "no currency EUR" in bad.get_data(as_text=True)
    assert _rates(session) == []
    wrong = _upload(client, token, "rates.txt", b"x")
    assert wrong.status_code == 422
    assert "Choose a .csv or .xlsx file." in wrong.get_data(as_text=True)
    empty = client.post("/currencies/rates/import", data={"csrf_token": token})
    assert empty.status_code == 422 and "Choose a file." in empty.get_data(as_text=True)
    good = _upload(client, token, "rates.csv", (
        b"FROM_CODE;to_code;effective_date;rate\n"
        b"USD;NIO;2026-01-01;36.6243\nUSD;NIO;2026-02-01;36.7\n"))
    assert good.status_code == 302
    assert "Exchange rates imported: 2." in client.get("/currencies/rates").get_data(
        as_text=True)
    assert [r[3] for r in _rates(session)] == [Decimal("36.6243"), Decimal("36.7")]


def test_import_xlsx(client: FlaskClient, users: Any, login: Callable[..., Any],
                     csrf_token: Callable[..., str], factory: Factory, session: Session) -> None:
    factory.currency(code="USD")
    factory.currency(code="NIO")
    session.commit()
    _hr(client, login)
    buffer = io.BytesIO()
    write_xlsx(buffer, ["from_code", "to_code", "effective_date", "rate"],
               [["USD", "NIO", date(2026, 3, 1), Decimal("36.8")]])
    response = _upload(client, csrf_token(client, "/currencies/rates/import"), "r.xlsx",
                       buffer.getvalue())
    assert response.status_code == 302
    assert _rates(session) == [("USD", "NIO", date(2026, 3, 1), Decimal("36.8"))]
    broken = _upload(client, csrf_token(client, "/currencies/rates/import"), "r.xlsx", b"no")
    assert broken.status_code == 422
    assert "not an Excel .xlsx workbook" in broken.get_data(as_text=True)


def test_audit_role_reads_only(client: FlaskClient, users: Any, login: Callable[..., Any],
                               factory: Factory, session: Session) -> None:
    factory.currency(code="USD")
    session.commit()
    _hr(client, login, "audit")
    page = client.get("/currencies/").get_data(as_text=True)
    assert "USD" in page and "New currency" not in page and "Deactivate" not in page
    assert client.get("/currencies/rates/import").status_code == 403


def test_spanish(client: FlaskClient, users: Any, login: Callable[..., Any],
                 csrf_token: Callable[..., str], factory: Factory, session: Session) -> None:
    factory.currency(code="USD")
    factory.currency(code="NIO")
    factory.exchange_rate(from_code="USD", to_code="NIO", rate=Decimal("36.6243"))
    session.commit()
    _hr(client, login)
    client.post("/auth/language", data={"csrf_token": csrf_token(client, "/currencies/"),
                                        "language": "es"})
    page = client.get("/currencies/rates").get_data(as_text=True)
    assert "Tipos de cambio" in page and "Moneda de origen" in page
    assert "36,6243" in page  # numbers for the locale
    response = _upload(client, csrf_token(client, "/currencies/rates/import"), "r.csv",
                       b"from_code,to_code,effective_date,rate\nUSD,EUR,2026-01-02,0.9\n")
    page = response.get_data(as_text=True)
    assert "fila 2: to_code" in page and "no existe la moneda EUR" in page
