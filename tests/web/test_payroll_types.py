"""Payroll type pages: every field of core PayrollType, validation, activation, Spanish."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.core.model import Periodicity, ProrationBasis, SalaryConversion
from coati_payroll.db.models import PayrollType
from coati_payroll.db.testing import Factory

Token = Callable[..., str]


@pytest.fixture
def hr(client: FlaskClient, users: Any, login: Callable[..., Any]) -> FlaskClient:
    login(client, "hr")
    return client


def _post(client: FlaskClient, token: Token, url: str, data: dict[str, str]) -> Any:
    return client.post(url, data={**data, "csrf_token": token(client, "/auth/password")})


def _form(**values: str) -> dict[str, str]:
    data = {"code": "BIWEEKLY", "name": "Biweekly staff", "periodicity": "biweekly",
            "conversion": "annualized", "divisor": "", "periods_per_year": "26",
            "proration": "commercial_30", "days_per_month": "30", "hours_per_day": "8",
            "fiscal_year_start_month": "7", "absence_days_input": "ABSENCE",
            "absence_hours_input": "", "hours_worked_input": "", "days_worked_input": ""}
    data.update(values)
    return data


def _types(session: Session) -> list[PayrollType]:
    session.expire_all()
    return list(session.scalars(sa.select(PayrollType).order_by(PayrollType.code)))


def test_create_with_every_field(hr: FlaskClient, csrf_token: Token, factory: Factory,
                                 session: Session) -> None:
    factory.input_definition(code="ABSENCE")
    session.commit()
    page = hr.get("/payroll-types/new").get_data(as_text=True)
    assert 'value="ABSENCE"' in page and "The daily rate is the monthly salary" in page
    response = _post(hr, csrf_token, "/payroll-types/new", _form())
    assert response.status_code == 302
    [saved] = _types(session)
    assert (saved.periodicity, saved.conversion, saved.proration) == (
        Periodicity.BIWEEKLY, SalaryConversion.ANNUALIZED, ProrationBasis.COMMERCIAL_30)
    assert (saved.periods_per_year, saved.fiscal_year_start_month, saved.divisor) == (26, 7, None)
    assert saved.absence_days_input == "ABSENCE" and saved.hours_worked_input is None
    index = hr.get("/payroll-types/").get_data(as_text=True)
    assert 'data-payroll-type="BIWEEKLY"' in index and "Biweekly staff" in index


def test_bad_input_is_explained_and_nothing_saved(hr: FlaskClient, csrf_token: Token,
                                                  factory: Factory, session: Session) -> None:
    factory.payroll_type(code="TAKEN")
    session.commit()
    response = _post(hr, csrf_token, "/payroll-types/new", _form(
        code="TAKEN", divisor="-1", periods_per_year="x", days_per_month="abc",
        absence_days_input="NOPE", periodicity="yearly"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "x is not a whole number" in page and "abc is not a number" in page
    assert 'id="periodicity-errors"' in page and 'id="absence_days_input-errors"' in page
    service = _post(hr, csrf_token, "/payroll-types/new", _form(
        code="TAKEN", divisor="0", absence_days_input=""))
    text = service.get_data(as_text=True)
    assert service.status_code == 422
    assert "a payroll type TAKEN already exists" in text and "must be greater than 0" in text
    assert [t.code for t in _types(session)] == ["TAKEN"]


def test_edit_keeps_the_code_and_deactivate(hr: FlaskClient, csrf_token: Token,
                                            factory: Factory, session: Session) -> None:
    existing = factory.payroll_type(code="MONTHLY", divisor=Decimal("1"))
    session.commit()
    page = hr.get(f"/payroll-types/{existing.id}/edit").get_data(as_text=True)
    assert 'value="MONTHLY"' in page and "readonly" in page and 'value="1"' in page
    edited = _post(hr, csrf_token, f"/payroll-types/{existing.id}/edit", _form(
        code="CHANGED", absence_days_input="", hours_per_day="7.5"))
    assert edited.status_code == 302
    [saved] = _types(session)
    assert saved.code == "MONTHLY" and saved.hours_per_day == Decimal("7.5")
    _post(hr, csrf_token, f"/payroll-types/{existing.id}/active", {})
    assert _types(session)[0].active is False
    assert _post(hr, csrf_token, "/payroll-types/999/active", {}).status_code == 404


def test_audit_and_spanish(client: FlaskClient, users: Any, login: Callable[..., Any],
                           csrf_token: Token, session: Session) -> None:
    users["audit"].language = "es"
    session.commit()
    login(client, "audit")
    page = client.get("/payroll-types/").get_data(as_text=True)
    assert "Tipos de planilla" in page and 'id="payroll-type-new"' not in page
    assert client.get("/payroll-types/new").status_code == 403
    assert _post(client, csrf_token, "/payroll-types/new", _form()).status_code == 403
