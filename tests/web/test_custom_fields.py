"""Custom field pages: form (good and bad input), activate/deactivate, delete, Spanish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.core.model import FieldType
from coati_payroll.db.models import CustomFieldDefinition
from coati_payroll.db.testing import Factory


def _hr(client: FlaskClient, login: Callable[..., Any], who: str = "hr") -> FlaskClient:
    assert login(client, who).status_code == 302
    return client


def _fields(session: Session) -> list[tuple[str, str, str | None]]:
    session.expire_all()
    return [(d.code, d.label, d.default_value) for d in session.scalars(
        sa.select(CustomFieldDefinition).order_by(CustomFieldDefinition.code))]


def test_create(client: FlaskClient, users: Any, login: Callable[..., Any],
                csrf_token: Callable[..., str], session: Session) -> None:
    _hr(client, login)
    assert "No custom fields yet." in client.get("/custom-fields/").get_data(as_text=True)
    response = client.post("/custom-fields/new", data={
        "csrf_token": csrf_token(client, "/custom-fields/new"), "code": "children",
        "label": "Children", "type": "number", "default": "0", "position": "2"})
    assert response.status_code == 302
    page = client.get("/custom-fields/").get_data(as_text=True)
    assert "Custom field children created." in page and "Number" in page
    assert _fields(session) == [("children", "Children", "0")]


def test_create_bad_input(client: FlaskClient, users: Any, login: Callable[..., Any],
                          csrf_token: Callable[..., str], factory: Factory,
                          session: Session) -> None:
    factory.custom_field(code="taken", label="Taken")
    session.commit()
    _hr(client, login)
    token = csrf_token(client, "/custom-fields/new")
    response = client.post("/custom-fields/new", data={
        "csrf_token": token, "code": "2x", "label": "", "type": "colour", "position": "-1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Use 1-40 letters, digits or _, starting with a letter." in page
    assert "Enter a label." in page and "Not a valid choice" in page
    assert "A whole number from 0 to 9999." in page
    response = client.post("/custom-fields/new", data={
        "csrf_token": token, "code": "start", "label": "Start", "type": "date",
        "default": "tomorrow"})
    assert response.status_code == 422
    assert "&#39;tomorrow&#39; is not a date (YYYY-MM-DD)" in response.get_data(as_text=True)
    response = client.post("/custom-fields/new", data={
        "csrf_token": token, "code": "start", "label": "Start", "type": "date",
        "default": "<b>x</b>"})
    page = response.get_data(as_text=True)
    assert "&#39;&lt;b&gt;x&lt;/b&gt;&#39; is not a date" in page  # what was typed, escaped
    assert "<b>x</b>" not in page
    response = client.post("/custom-fields/new", data={
        "csrf_token": token, "code": "taken", "label": "Again", "type": "text"})
    assert "a custom field taken already exists" in response.get_data(as_text=True)
    assert _fields(session) == [("taken", "Taken", None)]


def test_edit_keeps_code_and_type(client: FlaskClient, users: Any, login: Callable[..., Any],
                                  csrf_token: Callable[..., str], factory: Factory,
                                  session: Session) -> None:
    field = factory.custom_field(code="union", label="Union", type=FieldType.BOOLEAN)
    session.commit()
    _hr(client, login)
    url = f"/custom-fields/{field.id}/edit"
    assert "Yes/no" in client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    bad = client.post(url, data={"csrf_token": token, "label": "Union", "default": "maybe"})
    assert bad.status_code == 422
    assert "&#39;maybe&#39; is not yes/no (true or false)" in bad.get_data(as_text=True)
    good = client.post(url, data={"csrf_token": token, "label": "Union member",
                                  "default": "no", "type": "text", "code": "other"})
    assert good.status_code == 302
    assert _fields(session) == [("union", "Union member", "false")]
    assert client.get("/custom-fields/999999/edit").status_code == 404


def test_deactivate_and_delete(client: FlaskClient, users: Any, login: Callable[..., Any],
                               csrf_token: Callable[..., str], factory: Factory,
                               session: Session) -> None:
    used = factory.custom_field(code="used", label="Used")
    free = factory.custom_field(code="free", label="Free")
    factory.employee(code="E1", custom_values={"used": "x"})
    session.commit()
    _hr(client, login)
    token = csrf_token(client, "/custom-fields/new")
    page = client.post(f"/custom-fields/{used.id}/delete", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "custom field used has values for employees E1; deactivate it instead" in page
    page = client.post(f"/custom-fields/{used.id}/deactivate", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Custom field used deactivated." in page
    page = client.post(f"/custom-fields/{used.id}/activate", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Custom field used activated." in page
    page = client.post(f"/custom-fields/{free.id}/delete", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Custom field free deleted." in page
    assert [code for code, _l, _d in _fields(session)] == ["used"]
    assert client.post("/custom-fields/999999/delete",
                       data={"csrf_token": token}).status_code == 404


def test_audit_and_spanish(client: FlaskClient, users: Any, login: Callable[..., Any],
                           csrf_token: Callable[..., str], factory: Factory,
                           session: Session) -> None:
    factory.custom_field(code="children", label="Children", type=FieldType.NUMBER)
    session.commit()
    _hr(client, login, "audit")
    page = client.get("/custom-fields/").get_data(as_text=True)
    assert "Children" in page and "New custom field" not in page
    client.post("/auth/language", data={"csrf_token": csrf_token(client, "/custom-fields/"),
                                        "language": "es"})
    page = client.get("/custom-fields/").get_data(as_text=True)
    assert "Campos personalizados" in page and "Número" in page
    assert "Ninguno (se exige un valor)" in page
