"""Language choice and locale formatting (English and Spanish)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.db.models import User
from coati_payroll.web.i18n import date_filter, datetime_filter, money, number

NBSP = "\xa0"


def _in_locale(app: Flask, language: str, func: Callable[[], str]) -> str:
    with app.test_request_context("/", headers={"Accept-Language": language}):
        return func().replace(NBSP, " ").replace("\u202f", " ")


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "$1,234,567.50"),
    ("es", "1.234.567,50 US$"),
])
def test_money(app: Flask, language: str, expected: str) -> None:
    assert _in_locale(app, language, lambda: money(Decimal("1234567.50"), "USD")) == expected


@pytest.mark.parametrize(("language", "expected"), [("en", "NIO 1,000.00"), ("es", "1.000,00 NIO")])
def test_money_other_currency(app: Flask, language: str, expected: str) -> None:
    assert _in_locale(app, language, lambda: money(Decimal("1000"), "NIO")) == expected


def test_money_keeps_every_digit_of_the_decimal(app: Flask) -> None:
    # Never rounded on display (the core rounds); never converted to float.
    assert _in_locale(app, "en", lambda: money(Decimal("0.125"), "USD")) == "$0.125"
    big = Decimal("12345678901234567.89")
    assert _in_locale(app, "en", lambda: money(big, "USD")) == "$12,345,678,901,234,567.89"


def test_floats_are_refused(app: Flask) -> None:
    with pytest.raises(TypeError, match="Decimal"):
        _in_locale(app, "en", lambda: money(0.1, "USD"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _in_locale(app, "en", lambda: number(1.5))  # type: ignore[arg-type]


@pytest.mark.parametrize(("language", "expected"), [("en", "1,234.5678"), ("es", "1.234,5678")])
def test_number(app: Flask, language: str, expected: str) -> None:
    assert _in_locale(app, language, lambda: number(Decimal("1234.5678"))) == expected


def test_number_thousands_in_spanish(app: Flask) -> None:
    assert _in_locale(app, "es", lambda: number(Decimal("1234567"))) == "1.234.567"


@pytest.mark.parametrize(("language", "fmt", "expected"), [
    ("en", "medium", "Mar 5, 2026"),
    ("es", "medium", "5 mar 2026"),
    ("en", "long", "March 5, 2026"),
    ("es", "long", "5 de marzo de 2026"),
    ("es", "short", "5/3/26"),
])
def test_dates(app: Flask, language: str, fmt: str, expected: str) -> None:
    assert _in_locale(app, language, lambda: date_filter(date(2026, 3, 5), fmt)) == expected


def test_datetimes_are_shown_in_the_configured_timezone(
        make_app: Callable[..., Flask], make_settings: Callable[..., Any]) -> None:
    app = make_app(make_settings(TIMEZONE="America/Managua"))
    moment = datetime(2026, 3, 5, 3, 0, tzinfo=UTC)  # 21:00 the day before in Managua
    shown = _in_locale(app, "en", lambda: datetime_filter(moment, "short"))
    assert shown == "3/4/26, 9:00 PM"


def test_filters_in_templates(app: Flask) -> None:
    template = "{{ amount|money('EUR') }} {{ n|number }} {{ day|date('long') }}"
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        from flask import render_template_string

        text = render_template_string(template, amount=Decimal("1500.00"), n=Decimal("7"),
                                      day=date(2026, 1, 31)).replace(NBSP, " ")
    assert text == "1.500,00 € 7 31 de enero de 2026"


def test_accept_language_for_anonymous_users(client: FlaskClient) -> None:
    page = client.get("/auth/login", headers={"Accept-Language": "es-NI,es;q=0.9"})
    text = page.get_data(as_text=True)
    assert "Iniciar sesión" in text
    assert '<html lang="es">' in text
    page = client.get("/auth/login", headers={"Accept-Language": "de"})
    assert "Sign in" in page.get_data(as_text=True)  # DEFAULT_LANGUAGE=en


def test_default_language(make_app: Callable[..., Flask],
                          make_settings: Callable[..., Any]) -> None:
    app = make_app(make_settings(DEFAULT_LANGUAGE="es"))
    page = app.test_client().get("/auth/login")
    assert "Iniciar sesión" in page.get_data(as_text=True)


def test_the_users_language_wins(client: FlaskClient, users: Any, login: Callable[..., Any],
                                 session: Session) -> None:
    session.execute(sa.update(User).where(User.username == "hr").values(language="es"))
    session.commit()
    login(client, "hr")
    page = client.get("/", headers={"Accept-Language": "en"})
    assert "Tablero" in page.get_data(as_text=True)


def test_language_switcher_saves_the_users_choice(
        client: FlaskClient, users: Any, login: Callable[..., Any],
        csrf_token: Callable[..., str], session: Session) -> None:
    login(client, "audit")
    response = client.post("/auth/language", data={
        "language": "es", "next": "/auth/password",
        "csrf_token": csrf_token(client, "/auth/password")})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/password"
    assert "Cambiar contraseña" in client.get("/auth/password").get_data(as_text=True)
    stored = session.scalar(sa.select(User.language).where(User.username == "audit"))
    assert str(stored) == "es"


def test_language_switcher_for_anonymous_users(client: FlaskClient,
                                               csrf_token: Callable[..., str]) -> None:
    response = client.post("/auth/language", data={
        "language": "es", "next": "https://evil.example/",
        "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/"  # never off-site
    assert "Iniciar sesión" in client.get("/auth/login").get_data(as_text=True)


def test_unknown_language_is_ignored(client: FlaskClient, csrf_token: Callable[..., str]) -> None:
    client.post("/auth/language", data={"language": "xx", "csrf_token": csrf_token(client)})
    assert "Sign in" in client.get("/auth/login").get_data(as_text=True)
