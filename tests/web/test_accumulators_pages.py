"""Accumulator pages: list, create and edit with the formula editor (positioned errors on the
page and from the JSON check), activate/deactivate; Spanish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.db.models import AccumulatorDefinition, AuditEntry, Language, User
from coati_payroll.db.testing import Factory

Token = Callable[..., str]


@pytest.fixture
def hr(client: FlaskClient, users: dict[str, User], login: Callable[..., Any]) -> FlaskClient:
    login(client, "hr")
    return client


def _token(client: FlaskClient, token: Token) -> str:
    return token(client, "/auth/password")


def _post(client: FlaskClient, token: Token, url: str, data: dict[str, str],
          **kw: Any) -> Any:
    return client.post(url, data={**data, "csrf_token": _token(client, token)}, **kw)


def _check(client: FlaskClient, token: Token, body: Any) -> Any:
    return client.post("/accumulators/validate", json=body,
                       headers={"X-CSRFToken": _token(client, token)})


def _form(**values: str) -> dict[str, str]:
    return {"code": "YTD_GROSS", "name": "Gross so far", "amount": "gross", **values}


def _saved(session: Session) -> list[AccumulatorDefinition]:
    session.expire_all()
    return list(session.scalars(sa.select(AccumulatorDefinition).order_by(
        AccumulatorDefinition.code)))


def _spanish(session: Session, user: User) -> None:
    user.language = Language.ES
    session.commit()


def test_new_form_has_the_editor_and_reference(hr: FlaskClient, factory: Factory,
                                               session: Session) -> None:
    factory.input_definition(code="HOURS")
    factory.rate_table(code="TAX")
    session.commit()
    assert "No accumulators yet." in hr.get("/accumulators/").get_data(as_text=True)
    page = hr.get("/accumulators/new").get_data(as_text=True)
    assert 'data-validate-url="/accumulators/validate"' in page
    assert 'data-formula-editor="amount"' in page and 'data-formula-status="amount"' in page
    assert "js/formula-editor.js" in page and 'id="formula-reference"' in page
    assert 'data-name="input.HOURS"' in page and 'data-table="TAX"' in page
    assert 'data-example="1"' in page and 'data-insert="gross"' in page


def test_create_lists_the_accumulator(hr: FlaskClient, csrf_token: Token,
                                      session: Session) -> None:
    response = _post(hr, csrf_token, "/accumulators/new", _form(amount=" gross + 0 "),
                     follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Accumulator YTD_GROSS saved." in page and 'data-accumulator="YTD_GROSS"' in page
    assert "ytd.YTD_GROSS" in page and "gross + 0" in page
    [saved] = _saved(session)
    assert (saved.code, saved.name, saved.amount, saved.active) == (
        "YTD_GROSS", "Gross so far", "gross + 0", True)
    assert session.scalars(sa.select(AuditEntry.action)).all() == ["accumulator.create"]


@pytest.mark.parametrize(("values", "field", "text"), [
    ({"code": ""}, "code", "required"),
    ({"code": "C" * 41}, "code", "at most 40 characters"),
    ({"name": ""}, "name", "required"),
    ({"name": "n" * 201}, "name", "at most 200 characters"),
    ({"amount": ""}, "amount", "required"),
    ({"amount": "1" * 4001}, "amount", "at most 4000 characters"),
    ({"code": "9X"}, "code", "1-40 letters, digits or _, starting with a letter"),
    ({"code": "TAKEN"}, "code", "an accumulator TAKEN already exists"),
    ({"amount": "gross > 0"}, "amount", "line 1, column 1: "),
    ({"amount": "net +\n bogus"}, "amount", "line 2, column 2: unknown name bogus"),
])
def test_bad_values_are_explained_and_nothing_saved(
        hr: FlaskClient, csrf_token: Token, factory: Factory, session: Session,
        values: dict[str, str], field: str, text: str) -> None:
    factory.accumulator(code="TAKEN")
    session.commit()
    response = _post(hr, csrf_token, "/accumulators/new", _form(**values))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-errors"' in page and text in page
    assert [a.code for a in _saved(session)] == ["TAKEN"]
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_a_formula_error_shows_its_position(hr: FlaskClient, csrf_token: Token) -> None:
    response = _post(hr, csrf_token, "/accumulators/new", _form(amount="gross\n  + bogus"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="amount-status" data-formula-status="amount"' in page
    assert 'data-state="error"' in page
    assert 'data-line="2" data-column="5" data-position="10"' in page
    assert "line 2, column 5: unknown name bogus" in page
    assert "gross\n  + bogus" in page  # the typed value is kept


def test_edit_keeps_the_code(hr: FlaskClient, csrf_token: Token, factory: Factory,
                             session: Session) -> None:
    existing = factory.accumulator(code="YTD", name="Ytd", amount="gross")
    session.commit()
    page = hr.get(f"/accumulators/{existing.id}/edit").get_data(as_text=True)
    assert 'value="YTD"' in page and "readonly" in page and "gross</textarea>" in page
    bad = _post(hr, csrf_token, f"/accumulators/{existing.id}/edit", _form(amount="nope"))
    assert bad.status_code == 422 and "unknown name nope" in bad.get_data(as_text=True)
    edited = _post(hr, csrf_token, f"/accumulators/{existing.id}/edit",
                   _form(code="OTHER", name="Net so far", amount="net + ytd.YTD * 0"))
    assert edited.status_code == 302
    [saved] = _saved(session)
    assert (saved.code, saved.name, saved.amount) == ("YTD", "Net so far", "net + ytd.YTD * 0")
    assert hr.get("/accumulators/999/edit").status_code == 404


def test_the_json_check(hr: FlaskClient, csrf_token: Token, factory: Factory,
                        session: Session) -> None:
    factory.concept(code="SS", formula="gross * 7%", kind="earning")
    session.commit()
    ok = _check(hr, csrf_token, {"source": "gross + SS", "field": "amount", "code": "",
                                 "kind": None, "loan": False})
    assert ok.status_code == 200 and ok.json == {"ok": True, "names": ["gross", "SS"],
                                                 "tables": []}
    # no ordering rules: an accumulator runs after the payslip
    assert _check(hr, csrf_token, {"source": "net + total_deductions"}).json["ok"] is True
    own = _check(hr, csrf_token, {"source": "ytd.NEW + gross", "code": "NEW"})
    assert own.json["ok"] is True
    error = _check(hr, csrf_token, {"source": "gross +\n  bogus", "code": "NEW"}).json
    assert error["ok"] is False
    assert {k: error["error"][k] for k in ("line", "column", "position", "code")} == {
        "line": 2, "column": 3, "position": 10, "code": "unknown_name"}
    assert error["error"]["text"].startswith("line 2, column 3: unknown name bogus")
    empty = _check(hr, csrf_token, {"source": "  "}).json
    assert empty["ok"] is False and empty["error"]["code"] == "empty"
    assert _check(hr, csrf_token, ["not", "a", "dict"]).status_code == 400
    assert _check(hr, csrf_token, {"source": 3}).status_code == 400
    assert hr.post("/accumulators/validate", json={"source": "gross"}).status_code == 400


def test_deactivate_activate_and_refusals(hr: FlaskClient, csrf_token: Token,
                                          factory: Factory, session: Session) -> None:
    free = factory.accumulator(code="FREE", amount="gross")
    used = factory.accumulator(code="USED", amount="gross")
    factory.concept(code="TAX", formula="ytd.USED * 1%")
    hours = factory.input_definition(code="HOURS")
    stale = factory.accumulator(code="STALE", amount="input.HOURS", active=False)
    hours.active = False
    session.commit()
    index = hr.get("/accumulators/").get_data(as_text=True)
    assert 'data-confirm="Deactivate accumulator FREE?' in index
    assert 'data-confirm="Activate accumulator STALE?"' in index
    page = _post(hr, csrf_token, f"/accumulators/{free.id}/active", {},
                 follow_redirects=True).get_data(as_text=True)
    assert "Accumulator FREE deactivated." in page
    page = _post(hr, csrf_token, f"/accumulators/{free.id}/active", {},
                 follow_redirects=True).get_data(as_text=True)
    assert "Accumulator FREE activated." in page
    page = _post(hr, csrf_token, f"/accumulators/{used.id}/active", {},
                 follow_redirects=True).get_data(as_text=True)
    assert "USED cannot be deactivated: it is used by concept TAX." in page
    page = _post(hr, csrf_token, f"/accumulators/{stale.id}/active", {},
                 follow_redirects=True).get_data(as_text=True)
    assert "Amount formula: line 1, column 1: unknown name HOURS in namespace input" in page
    assert "the accumulator cannot be activated" in page
    assert {a.code: a.active for a in _saved(session)} == {"FREE": True, "USED": True,
                                                           "STALE": False}
    assert _post(hr, csrf_token, "/accumulators/999/active", {}).status_code == 404


def test_spanish(hr: FlaskClient, csrf_token: Token, factory: Factory, session: Session,
                 users: dict[str, User]) -> None:
    used = factory.accumulator(code="USED", amount="gross")
    factory.accumulator(code="TAKEN", amount="gross")
    factory.concept(code="TAX", formula="ytd.USED * 1%")
    _spanish(session, users["hr"])
    index = hr.get("/accumulators/").get_data(as_text=True)
    assert "Acumulados" in index and "Nuevo acumulado" in index
    form = hr.get("/accumulators/new").get_data(as_text=True)
    assert "Fórmula del monto" in form and "La fórmula es válida." in form
    page = _post(hr, csrf_token, "/accumulators/new",
                 _form(code="TAKEN", amount="gross\n + bogus")).get_data(as_text=True)
    assert "línea 2, columna 4" in page and "bogus" in page
    page = _post(hr, csrf_token, "/accumulators/new",
                 _form(code="TAKEN")).get_data(as_text=True)
    assert "ya existe un acumulado TAKEN" in page
    assert "no se puede guardar el acumulado" in page
    check = _check(hr, csrf_token, {"source": "gross +"}).json
    assert check["error"]["text"].startswith("línea 1, columna 8")
    page = _post(hr, csrf_token, f"/accumulators/{used.id}/active", {},
                 follow_redirects=True).get_data(as_text=True)
    assert "USED no se puede desactivar: se usa en el concepto TAX." in page
    saved = _post(hr, csrf_token, "/accumulators/new", _form(code="NEW"), follow_redirects=True)
    assert "Acumulado NEW guardado." in saved.get_data(as_text=True)


def test_audit_role_reads_only(client: FlaskClient, users: dict[str, User],
                               login: Callable[..., Any], csrf_token: Token, factory: Factory,
                               session: Session) -> None:
    existing = factory.accumulator(code="YTD")
    session.commit()
    login(client, "audit")
    page = client.get("/accumulators/").get_data(as_text=True)
    assert 'data-accumulator="YTD"' in page and 'id="accumulator-new"' not in page
    assert client.get("/accumulators/new").status_code == 403
    assert _post(client, csrf_token, "/accumulators/new", _form()).status_code == 403
    assert _post(client, csrf_token, f"/accumulators/{existing.id}/active",
                 {}).status_code == 403
    assert _check(client, csrf_token, {"source": "gross"}).status_code == 403
