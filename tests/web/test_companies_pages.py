"""Company pages: list, form (good and bad input), activate/deactivate, delete, Spanish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.db.models import AuditEntry, Company
from coati_payroll.db.testing import Factory


def _signed_in(client: FlaskClient, login: Callable[..., Any], who: str = "hr") -> FlaskClient:
    assert login(client, who).status_code == 302
    return client


def _companies(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(sa.select(Company.code).order_by(Company.code)))


def test_list_and_empty_state(client: FlaskClient, users: Any, login: Callable[..., Any],
                              factory: Factory, session: Session) -> None:
    _signed_in(client, login, "audit")
    page = client.get("/companies/").get_data(as_text=True)
    assert "No companies yet." in page
    assert "New company" not in page  # the audit role sees no write actions
    factory.company(code="ACME", name="Acme Ltd", tax_id="J0310000000001")
    session.commit()
    page = client.get("/companies/").get_data(as_text=True)
    assert "ACME" in page and "Acme Ltd" in page and "J0310000000001" in page
    assert "Deactivate" not in page


def test_create(client: FlaskClient, users: Any, login: Callable[..., Any],
                csrf_token: Callable[..., str], session: Session) -> None:
    _signed_in(client, login)
    token = csrf_token(client, "/companies/new")
    response = client.post("/companies/new", data={
        "csrf_token": token, "code": "ACME", "name": "Acme Ltd", "legal_name": "Acme S.A.",
        "tax_id": "123"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/companies/")
    assert "Company ACME created." in client.get("/companies/").get_data(as_text=True)
    company = session.scalars(sa.select(Company)).one()
    assert (company.name, company.legal_name, company.tax_id) == ("Acme Ltd", "Acme S.A.", "123")
    assert session.scalar(sa.select(AuditEntry.action)) == "company.create"


def test_create_bad_input_keeps_values_and_saves_nothing(
        client: FlaskClient, users: Any, login: Callable[..., Any],
        csrf_token: Callable[..., str], session: Session) -> None:
    _signed_in(client, login)
    token = csrf_token(client, "/companies/new")
    response = client.post("/companies/new", data={
        "csrf_token": token, "code": "1bad code", "name": "", "tax_id": "x" * 65})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Use 1-40 letters, digits or _, starting with a letter." in page
    assert "Enter a name." in page
    assert "At most 64 characters." in page
    assert 'value="1bad code"' in page  # what the user typed is kept
    assert _companies(session) == []


def test_duplicate_code_is_refused_by_the_service(
        client: FlaskClient, users: Any, login: Callable[..., Any],
        csrf_token: Callable[..., str], factory: Factory, session: Session) -> None:
    factory.company(code="ACME")
    session.commit()
    _signed_in(client, login)
    response = client.post("/companies/new", data={
        "csrf_token": csrf_token(client, "/companies/new"), "code": "ACME", "name": "Other"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "a company ACME already exists" in page
    assert 'class="field-errors"' in page
    assert _companies(session) == ["ACME"]


def test_edit(client: FlaskClient, users: Any, login: Callable[..., Any],
              csrf_token: Callable[..., str], factory: Factory, session: Session) -> None:
    factory.company(code="ACME", name="Acme")
    session.commit()
    _signed_in(client, login)
    page = client.get("/companies/ACME/edit").get_data(as_text=True)
    assert 'value="Acme"' in page
    token = csrf_token(client, "/companies/ACME/edit")
    bad = client.post("/companies/ACME/edit", data={"csrf_token": token, "name": " "})
    assert bad.status_code == 422
    assert "Enter a name." in bad.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(sa.select(Company)).one().name == "Acme"
    good = client.post("/companies/ACME/edit", data={"csrf_token": token, "name": "Acme 2",
                                                     "code": "IGNORED"})
    assert good.status_code == 302
    session.expire_all()
    company = session.scalars(sa.select(Company)).one()
    assert (company.code, company.name) == ("ACME", "Acme 2")
    assert client.get("/companies/NOPE/edit").status_code == 404


def test_deactivate_refused_with_active_employees_then_delete(
        client: FlaskClient, users: Any, login: Callable[..., Any],
        csrf_token: Callable[..., str], factory: Factory, session: Session) -> None:
    busy = factory.company(code="BUSY")
    factory.employee(company=busy)
    factory.company(code="FREE")
    session.commit()
    _signed_in(client, login)
    token = csrf_token(client, "/companies/new")
    response = client.post("/companies/BUSY/deactivate", data={"csrf_token": token},
                           follow_redirects=True)
    assert "company BUSY has 1 active employee(s); deactivate them first" in response.get_data(
        as_text=True)
    session.expire_all()
    assert session.scalar(sa.select(Company.active).where(Company.code == "BUSY")) is True
    response = client.post("/companies/FREE/deactivate", data={"csrf_token": token},
                           follow_redirects=True)
    assert "Company FREE deactivated." in response.get_data(as_text=True)
    response = client.post("/companies/FREE/activate", data={"csrf_token": token},
                           follow_redirects=True)
    assert "Company FREE activated." in response.get_data(as_text=True)
    response = client.post("/companies/BUSY/delete", data={"csrf_token": token},
                           follow_redirects=True)
    assert "company BUSY has employees; deactivate it instead" in response.get_data(as_text=True)
    response = client.post("/companies/FREE/delete", data={"csrf_token": token},
                           follow_redirects=True)
    assert "Company FREE deleted." in response.get_data(as_text=True)
    assert _companies(session) == ["BUSY"]
    assert client.post("/companies/NOPE/delete", data={"csrf_token": token}).status_code == 404


def test_audit_role_cannot_write(client: FlaskClient, users: Any, login: Callable[..., Any],
                                 csrf_token: Callable[..., str], session: Session) -> None:
    _signed_in(client, login, "audit")
    token = csrf_token(client, "/auth/password")
    assert client.get("/companies/new").status_code == 403
    assert client.post("/companies/new", data={"csrf_token": token, "code": "X",
                                               "name": "X"}).status_code == 403
    assert _companies(session) == []


def test_spanish(client: FlaskClient, users: Any, login: Callable[..., Any],
                 csrf_token: Callable[..., str], factory: Factory, session: Session) -> None:
    factory.company(code="ACME")
    session.commit()
    _signed_in(client, login)
    client.post("/auth/language", data={"csrf_token": csrf_token(client, "/companies/"),
                                        "language": "es"})
    page = client.get("/companies/").get_data(as_text=True)
    assert "Empresas" in page and "Nueva empresa" in page and "Activo" in page
    response = client.post("/companies/new", data={
        "csrf_token": csrf_token(client, "/companies/new"), "code": "ACME", "name": ""})
    page = response.get_data(as_text=True)
    assert "Escriba un nombre." in page
    response = client.post("/companies/new", data={
        "csrf_token": csrf_token(client, "/companies/new"), "code": "ACME", "name": "Otra"})
    assert "ya existe una empresa ACME" in response.get_data(as_text=True)
