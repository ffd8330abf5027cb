"""Input pages: list, create, edit, activate/deactivate; every form good and bad; Spanish."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.db.models import AuditEntry, InputDefinition, Language, User
from coati_payroll.db.testing import Factory

Token = Callable[..., str]


@pytest.fixture
def hr(client: FlaskClient, users: dict[str, User], login: Callable[..., Any]) -> FlaskClient:
    login(client, "hr")
    return client


def _post(client: FlaskClient, token: Token, url: str, data: dict[str, str],
          **kw: Any) -> Any:
    return client.post(url, data={**data, "csrf_token": token(client, "/auth/password")}, **kw)


def _form(**values: str) -> dict[str, str]:
    return {"code": "OVERTIME_HOURS", "name": "Overtime hours", "default": "0", **values}


def _inputs(session: Session) -> list[InputDefinition]:
    session.expire_all()
    return list(session.scalars(sa.select(InputDefinition).order_by(InputDefinition.code)))


def _spanish(session: Session, user: User) -> None:
    user.language = Language.ES
    session.commit()


def test_empty_list_and_new_form(hr: FlaskClient) -> None:
    page = hr.get("/inputs/").get_data(as_text=True)
    assert "No inputs yet." in page and 'id="input-new"' in page
    form = hr.get("/inputs/new").get_data(as_text=True)
    assert 'id="input-form"' in form and 'id="default"' in form and 'value="0"' in form
    assert "Formulas read it as input.CODE" in form


def test_create_lists_the_input(hr: FlaskClient, csrf_token: Token, session: Session) -> None:
    response = _post(hr, csrf_token, "/inputs/new", _form(default=" 1.50 "),
                     follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Input OVERTIME_HOURS saved." in page
    assert 'data-input="OVERTIME_HOURS"' in page and "input.OVERTIME_HOURS" in page
    assert ">1.5<" in page  # the exact default, without padding zeros
    [saved] = _inputs(session)
    assert (saved.code, saved.name, saved.default, saved.active) == (
        "OVERTIME_HOURS", "Overtime hours", Decimal("1.5"), True)
    assert session.scalars(sa.select(AuditEntry.action)).all() == ["input.create"]


@pytest.mark.parametrize(("values", "field", "text"), [
    ({"code": ""}, "code", "required"),
    ({"code": "X" * 41}, "code", "at most 40 characters"),
    ({"name": ""}, "name", "required"),
    ({"name": "n" * 201}, "name", "at most 200 characters"),
    ({"default": ""}, "default", "required"),
    ({"default": "abc"}, "default", "abc is not a number (write 1234.56)"),
    ({"default": "Infinity"}, "default", "Infinity is not a number (write 1234.56)"),
    ({"code": "1ST"}, "code", "1-40 letters, digits or _, starting with a letter"),
    ({"code": "WITH SPACE"}, "code", "1-40 letters, digits or _, starting with a letter"),
    ({"default": "0.123456789012345"}, "default",
     "0.123456789012345 has more than 14 decimal places"),
    ({"default": "1000000000000000000"}, "default", "1000000000000000000 is too large"),
    ({"code": "TAKEN"}, "code", "an input TAKEN already exists"),
])
def test_bad_values_are_explained_and_nothing_saved(
        hr: FlaskClient, csrf_token: Token, factory: Factory, session: Session,
        values: dict[str, str], field: str, text: str) -> None:
    factory.input_definition(code="TAKEN")
    session.commit()
    response = _post(hr, csrf_token, "/inputs/new", _form(**values))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-errors"' in page and text in page
    assert [i.code for i in _inputs(session)] == ["TAKEN"]
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_edit_keeps_the_code(hr: FlaskClient, csrf_token: Token, factory: Factory,
                             session: Session) -> None:
    existing = factory.input_definition(code="ABSENCE", name="Absence", default=Decimal("8"))
    session.commit()
    page = hr.get(f"/inputs/{existing.id}/edit").get_data(as_text=True)
    assert 'value="ABSENCE"' in page and "readonly" in page and 'value="8"' in page
    bad = _post(hr, csrf_token, f"/inputs/{existing.id}/edit", _form(name="", default="x"))
    assert bad.status_code == 422 and 'id="name-errors"' in bad.get_data(as_text=True)
    edited = _post(hr, csrf_token, f"/inputs/{existing.id}/edit",
                   _form(code="CHANGED", name="Absence days", default="-2"))
    assert edited.status_code == 302
    [saved] = _inputs(session)
    assert (saved.code, saved.name, saved.default) == ("ABSENCE", "Absence days", Decimal(-2))
    assert hr.get("/inputs/999/edit").status_code == 404
    assert _post(hr, csrf_token, "/inputs/999/edit", _form()).status_code == 404


def test_deactivate_and_activate(hr: FlaskClient, csrf_token: Token, factory: Factory,
                                 session: Session) -> None:
    existing = factory.input_definition(code="BONUS")
    session.commit()
    index = hr.get("/inputs/").get_data(as_text=True)
    assert 'data-confirm="Deactivate input BONUS?' in index
    page = _post(hr, csrf_token, f"/inputs/{existing.id}/active", {},
                 follow_redirects=True).get_data(as_text=True)
    assert "Input BONUS deactivated." in page and 'data-active="false"' in page
    assert 'data-confirm="Activate input BONUS?"' in page
    assert _inputs(session)[0].active is False
    page = _post(hr, csrf_token, f"/inputs/{existing.id}/active", {},
                 follow_redirects=True).get_data(as_text=True)
    assert "Input BONUS activated." in page and _inputs(session)[0].active is True
    assert _post(hr, csrf_token, "/inputs/999/active", {}).status_code == 404


def test_deactivation_refused_names_the_users(hr: FlaskClient, csrf_token: Token,
                                              factory: Factory, session: Session,
                                              users: dict[str, User]) -> None:
    used = factory.input_definition(code="HOURS")
    factory.payroll_type(code="HOURLY", hours_worked_input="HOURS")
    factory.concept(code="OVERTIME", formula="input.HOURS * 2")
    factory.accumulator(code="YTD_HOURS", amount="input.HOURS")
    factory.novelty(input_code="HOURS")
    session.commit()
    response = _post(hr, csrf_token, f"/inputs/{used.id}/active", {}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert ("HOURS cannot be deactivated: it is used by payroll type HOURLY, concept OVERTIME, "
            "accumulator YTD_HOURS, 1 pending novelties.") in page
    assert _inputs(session)[0].active is True
    _spanish(session, users["hr"])
    page = _post(hr, csrf_token, f"/inputs/{used.id}/active", {},
                 follow_redirects=True).get_data(as_text=True)
    assert ("HOURS no se puede desactivar: se usa en el tipo de planilla HOURLY, el concepto "
            "OVERTIME, el acumulado YTD_HOURS, 1 novedades pendientes.") in page


def test_spanish_pages_and_errors(hr: FlaskClient, csrf_token: Token, factory: Factory,
                                  session: Session, users: dict[str, User]) -> None:
    factory.input_definition(code="TAKEN", default=Decimal("1234.5"))
    _spanish(session, users["hr"])
    index = hr.get("/inputs/").get_data(as_text=True)
    assert "Tipos de novedad" in index and "Nuevo tipo de novedad" in index
    assert "1.234,5" in index  # the Spanish number format
    response = _post(hr, csrf_token, "/inputs/new", _form(code="TAKEN", default="abc"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "abc no es un número" in page
    response = _post(hr, csrf_token, "/inputs/new",
                     _form(code="TAKEN", default="0.1234567890123456"))
    page = response.get_data(as_text=True)
    assert "ya existe un tipo de novedad TAKEN" in page
    assert "no se puede guardar el tipo de novedad" in page
    assert "0.1234567890123456 tiene más de 14 decimales" in page
    saved = _post(hr, csrf_token, "/inputs/new", _form(code="NEW"), follow_redirects=True)
    assert "Tipo de novedad NEW guardado." in saved.get_data(as_text=True)


def test_audit_role_reads_only(client: FlaskClient, users: dict[str, User],
                               login: Callable[..., Any], csrf_token: Token, factory: Factory,
                               session: Session) -> None:
    existing = factory.input_definition(code="BONUS")
    session.commit()
    login(client, "audit")
    page = client.get("/inputs/").get_data(as_text=True)
    assert 'data-input="BONUS"' in page and 'id="input-new"' not in page
    assert "Deactivate" not in page
    assert client.get("/inputs/new").status_code == 403
    assert _post(client, csrf_token, "/inputs/new", _form()).status_code == 403
    assert _post(client, csrf_token, f"/inputs/{existing.id}/active", {}).status_code == 403
    assert _inputs(session)[0].active is True


def test_navigation_entries(hr: FlaskClient) -> None:
    page = hr.get("/inputs/").get_data(as_text=True)
    for path in ("/inputs/", "/accumulators/", "/payroll-types/"):
        assert f'href="{path}"' in page
