"""Concept pages: list, form with the formula editor, validation and evaluation endpoints, test
cases, approval, diff, Spanish."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.core.model import ConceptKind
from coati_payroll.db.models import Concept, ConceptStatus, ConceptTestCase, ConceptVersion
from coati_payroll.db.testing import Factory

Login = Callable[..., Any]
Token = Callable[..., str]


@pytest.fixture
def hr(client: FlaskClient, users: Any, login: Login) -> FlaskClient:
    assert login(client, "hr").status_code == 302
    return client


def _client(app: Flask, login: Login, who: str) -> FlaskClient:
    other = app.test_client()
    assert login(other, who).status_code == 302
    return other


def _form(**values: str) -> dict[str, str]:
    data = {"code": "SS_EMPLOYEE", "name": "Social security", "kind": "deduction",
            "effective_from": "2026-01-01", "formula": "min(gross * 7%, 350)",
            "condition": "", "priority": "10", "floor": "", "cap": "", "shortfall": "partial",
            "tags": "SOCIAL, LEGAL", "debit_account": "5100", "credit_account": "2100",
            "note": "Law 539"}
    data.update(values)
    return data


def _post(client: FlaskClient, token: Token, url: str, data: dict[str, str]) -> Any:
    return client.post(url, data={**data, "csrf_token": token(client, "/auth/password")})


def _json(client: FlaskClient, token: Token, url: str, body: Any) -> Any:
    return client.post(url, json=body,
                       headers={"X-CSRFToken": token(client, "/auth/password"),
                                "Accept": "application/json"})


def _concepts(session: Session) -> list[Concept]:
    session.expire_all()
    return list(session.scalars(sa.select(Concept)))


# -- list and form -----------------------------------------------------------------------------

def test_list_by_kind_with_status_badges(hr: FlaskClient, factory: Factory,
                                         session: Session) -> None:
    factory.concept(code="INCOME_TAX", kind=ConceptKind.DEDUCTION)
    bonus = factory.concept(code="BONUS", kind=ConceptKind.EARNING, formula="100")
    factory.concept_version(concept=bonus, status="draft", formula="200")
    session.commit()
    page = hr.get("/concepts/").get_data(as_text=True)
    assert 'id="concepts-earning"' in page and 'id="concepts-deduction"' in page
    assert 'data-concept="BONUS"' in page and 'data-status="draft"' in page
    assert 'data-status="approved"' in page
    only = hr.get("/concepts/?kind=earning").get_data(as_text=True)
    assert "BONUS" in only and "INCOME_TAX" not in only


def test_new_form_has_the_editor_hooks(hr: FlaskClient, factory: Factory,
                                       session: Session) -> None:
    factory.input_definition(code="OVERTIME")
    factory.rate_table(code="INCOME_TAX")
    session.commit()
    response = hr.get("/concepts/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-formula-editor="formula"' in page and 'data-formula-editor="condition"' in page
    assert 'id="formula-status"' in page and 'id="formula-caret"' in page
    assert 'data-validate-url="/concepts/validate"' in page
    assert "js/formula-editor.js" in page and "css/configuration.css" in page
    assert 'data-insert="input.OVERTIME"' in page and 'data-table="INCOME_TAX"' in page
    assert 'id="formula-help-link"' in page and "<script>" not in page
    assert 'style="' not in page


def test_create_concept(hr: FlaskClient, csrf_token: Token, session: Session) -> None:
    response = _post(hr, csrf_token, "/concepts/new", _form())
    assert response.status_code == 302
    [concept] = _concepts(session)
    [version] = concept.versions
    assert (concept.code, concept.kind, version.status) == (
        "SS_EMPLOYEE", ConceptKind.DEDUCTION, ConceptStatus.DRAFT)
    assert version.priority == 10 and version.tags == ["LEGAL", "SOCIAL"]
    assert response.headers["Location"] == f"/concepts/{concept.id}?version=1"
    page = hr.get(response.headers["Location"]).get_data(as_text=True)
    assert "saved as draft version 1" in page and 'id="approve-version"' in page


def test_wrong_formula_shows_the_position_and_keeps_the_text(
        hr: FlaskClient, csrf_token: Token, session: Session) -> None:
    typed = "min(gross * 7%,\n    bogus)"
    response = _post(hr, csrf_token, "/concepts/new", _form(formula=typed, note="kept"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "line 2, column 5: unknown name bogus" in page
    assert 'id="formula-errors"' in page and 'data-line="2" data-column="5"' in page
    assert '<span class="caret">    ^</span>' in page
    assert "min(gross * 7%,\n    bogus)</textarea>" in page  # nothing typed is lost
    assert "kept</textarea>" in page
    assert _concepts(session) == []


def test_other_bad_fields_are_named_and_nothing_is_saved(
        hr: FlaskClient, csrf_token: Token, session: Session) -> None:
    response = _post(hr, csrf_token, "/concepts/new", _form(
        code="1bad", name="", effective_from="31/01/2026", priority="x", cap="abc",
        condition="gross"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "31/01/2026 is not a date (YYYY-MM-DD)" in page
    assert "x is not a whole number" in page and "abc is not a number" in page
    assert 'id="name-errors"' in page and "required" in page
    assert "a yes/no value is needed here, not a number" in page \
        or "condition" in page
    assert _concepts(session) == []


def test_service_problems_go_next_to_their_fields(
        hr: FlaskClient, csrf_token: Token, factory: Factory, session: Session) -> None:
    factory.concept(code="TAKEN")
    session.commit()
    response = _post(hr, csrf_token, "/concepts/new", _form(code="TAKEN"))
    assert response.status_code == 422
    assert "a concept TAKEN already exists" in response.get_data(as_text=True)
    response = _post(hr, csrf_token, "/concepts/new", _form(code="NEW1", cap="10", floor="20"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "below the floor 20" in page
    assert 'id="cap-errors"' in page
    assert len(_concepts(session)) == 1


def test_an_earning_cannot_read_gross(hr: FlaskClient, csrf_token: Token,
                                      session: Session) -> None:
    response = _post(hr, csrf_token, "/concepts/new", _form(kind="earning", formula="gross"))
    assert response.status_code == 422
    assert "cannot read gross" in response.get_data(as_text=True)
    assert _concepts(session) == []


def test_edit_makes_a_new_draft_then_edits_it(
        hr: FlaskClient, csrf_token: Token, factory: Factory, session: Session) -> None:
    concept = factory.concept(code="SS", formula="gross * 7%")
    session.commit()
    page = hr.get(f"/concepts/{concept.id}/edit").get_data(as_text=True)
    assert "gross * 7%</textarea>" in page and "readonly" in page
    data = _form(code="OTHER", kind="earning", formula="gross * 8%")
    assert _post(hr, csrf_token, f"/concepts/{concept.id}/edit", data).status_code == 302
    assert _post(hr, csrf_token, f"/concepts/{concept.id}/edit",
                 {**data, "formula": "gross * 9%"}).status_code == 302
    [concept] = _concepts(session)
    assert concept.code == "SS" and concept.kind is ConceptKind.DEDUCTION
    assert [(v.version, v.status, v.formula) for v in concept.versions] == [
        (1, ConceptStatus.APPROVED, "gross * 7%"), (2, ConceptStatus.DRAFT, "gross * 9%")]


def test_audit_reads_but_cannot_write(client: FlaskClient, users: Any, login: Login,
                                      csrf_token: Token, factory: Factory,
                                      session: Session) -> None:
    concept = factory.concept()
    session.commit()
    login(client, "audit")
    assert client.get(f"/concepts/{concept.id}").status_code == 200
    assert client.get("/concepts/new").status_code == 403
    assert _post(client, csrf_token, "/concepts/new", _form()).status_code == 403
    page = client.get(f"/concepts/{concept.id}").get_data(as_text=True)
    assert 'id="concept-edit"' not in page and 'id="case-form"' not in page


# -- the JSON endpoints ------------------------------------------------------------------------

def test_validate_endpoint(hr: FlaskClient, csrf_token: Token, factory: Factory,
                           session: Session) -> None:
    factory.input_definition(code="OT")
    session.commit()
    ok = _json(hr, csrf_token, "/concepts/validate",
               {"source": "input.OT * hourly_rate", "field": "formula", "kind": "earning"})
    assert ok.status_code == 200
    assert ok.get_json() == {"ok": True, "names": ["input.OT", "hourly_rate"], "tables": []}
    bad = _json(hr, csrf_token, "/concepts/validate",
                {"source": "gross *\n  input.OVERTIME", "field": "formula"}).get_json()
    assert bad["ok"] is False
    error = bad["error"]
    assert (error["line"], error["column"], error["position"]) == (2, 3, 10)
    assert error["code"] == "unknown_name" and error["line_text"] == "  input.OVERTIME"
    assert error["caret"] == "  ^"
    assert error["text"] == ("line 2, column 3: unknown name OVERTIME in namespace input; "
                             "did you mean input.OT?")
    condition = _json(hr, csrf_token, "/concepts/validate",
                      {"source": "gross", "field": "condition"}).get_json()
    assert condition["ok"] is False and condition["error"]["code"] == "wrong_type"
    empty = _json(hr, csrf_token, "/concepts/validate", {"source": " ", "field": "condition"})
    assert empty.get_json()["ok"] is True
    late = _json(hr, csrf_token, "/concepts/validate",
                 {"source": "net", "field": "formula", "kind": "deduction"}).get_json()
    assert late["ok"] is False and "cannot read net" in late["error"]["text"]
    assert _json(hr, csrf_token, "/concepts/validate", ["x"]).status_code == 400
    no_token = hr.post("/concepts/validate", json={"source": "1"})
    assert no_token.status_code == 400


def test_validate_in_spanish(client: FlaskClient, users: Any, login: Login,
                             csrf_token: Token, session: Session) -> None:
    users["hr"].language = "es"
    session.commit()
    login(client, "hr")
    error = _json(client, csrf_token, "/concepts/validate",
                  {"source": "grosss + 1", "field": "formula"}).get_json()["error"]
    assert error["text"] == "línea 1, columna 1: nombre desconocido grosss; ¿quiso decir gross?"
    error = _json(client, csrf_token, "/concepts/validate",
                  {"source": "gross = 1", "field": "formula"}).get_json()["error"]
    assert "'=' no es un operador" in error["text"]


def test_evaluate_endpoint_with_trace(hr: FlaskClient, csrf_token: Token, factory: Factory,
                                      session: Session) -> None:
    factory.rate_table(code="TAX", rows=[("0", "1000", "0", "0"), ("1000", None, "0.1", "0")])
    concept = factory.concept(code="IR", formula='table("TAX", gross)', cap=Decimal("500"))
    session.commit()
    url = f"/concepts/{concept.id}/versions/1/evaluate"
    result = _json(hr, csrf_token, url, {"inputs": {"gross": "3000"}}).get_json()
    assert result["ok"] is True and result["amount"] == "200.00"
    assert result["trace"]["values"] == [["gross", "3000"]]
    [row] = result["trace"]["table_rows"]
    assert (row["table"], row["row"], row["rate"], row["result"]) == ("TAX", 2, "0.1", "200")
    capped = _json(hr, csrf_token, url, {"inputs": {"gross": "9000"}}).get_json()
    assert capped["amount"] == "500.00"
    assert capped["trace"]["note"].startswith("limited to the cap 500")
    bad = _json(hr, csrf_token, url, {"inputs": {"gross": "abc", "nope": "1"}})
    assert bad.status_code == 422
    assert bad.get_json()["problems"] == {"inputs.gross": "abc is not a number",
                                          "inputs.nope": "unknown name"}
    assert _json(hr, csrf_token, url, {"inputs": "x"}).status_code == 400
    assert _json(hr, csrf_token, f"/concepts/{concept.id}/versions/9/evaluate",
                 {"inputs": {}}).status_code == 404


def test_evaluate_positions_a_runtime_error(client: FlaskClient, users: Any, login: Login,
                                            csrf_token: Token, factory: Factory,
                                            session: Session) -> None:
    concept = factory.concept(code="DIV", formula="gross / input.DAYS")
    factory.input_definition(code="DAYS")
    session.commit()
    login(client, "audit")  # the test panel is open to every role
    answer = _json(client, csrf_token, f"/concepts/{concept.id}/versions/1/evaluate",
                   {"inputs": {"gross": "10"}})
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "division_by_zero" and error["column"] == 7


# -- test cases and approval -------------------------------------------------------------------

def _draft(hr: FlaskClient, token: Token, session: Session, formula: str = "gross * 7%"
           ) -> Concept:
    assert _post(hr, token, "/concepts/new", _form(formula=formula)).status_code == 302
    [concept] = _concepts(session)
    return concept


def test_test_cases_add_edit_delete(hr: FlaskClient, csrf_token: Token,
                                    session: Session) -> None:
    concept = _draft(hr, csrf_token, session)
    page = hr.get(f"/concepts/{concept.id}").get_data(as_text=True)
    assert "gross = 0</textarea>" in page and 'data-test-input="gross"' in page
    base = f"/concepts/{concept.id}/cases"
    bad = _post(hr, csrf_token, f"{base}/new", {"name": "", "inputs": "nope = 1\nbroken",
                                                 "expected": "x"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "line 2: write name = value" in text and "x is not a number" in text
    bad = _post(hr, csrf_token, f"{base}/new", {"name": "a", "inputs": "nope = 1",
                                                 "expected": "1"})
    assert bad.status_code == 422 and "nope: unknown name" in bad.get_data(as_text=True)
    assert session.scalars(sa.select(ConceptTestCase)).all() == []
    good = _post(hr, csrf_token, f"{base}/new", {"name": "typical", "inputs": "gross = 1000",
                                                  "expected": "70"})
    assert good.status_code == 302
    [case] = session.scalars(sa.select(ConceptTestCase)).all()
    assert case.inputs == {"gross": "1000"}
    assert hr.get(f"{base}/{case.id}/edit").status_code == 200
    edited = _post(hr, csrf_token, f"{base}/{case.id}/edit",
                   {"name": "typical", "inputs": "gross = 2000", "expected": "140"})
    assert edited.status_code == 302
    page = hr.get(f"/concepts/{concept.id}?run=1").get_data(as_text=True)
    assert "1 of 1 test cases pass" in page and 'data-passed="true"' in page
    assert _post(hr, csrf_token, f"{base}/{case.id}/delete", {}).status_code == 302
    session.expire_all()
    assert session.scalars(sa.select(ConceptTestCase)).all() == []
    assert _post(hr, csrf_token, f"{base}/999/delete", {}).status_code == 404


def test_approval_refused_by_failing_case_and_four_eyes(
        app: Flask, hr: FlaskClient, login: Login, csrf_token: Token,
        session: Session) -> None:
    concept = _draft(hr, csrf_token, session)
    _post(hr, csrf_token, f"/concepts/{concept.id}/cases/new",
          {"name": "wrong", "inputs": "gross = 1000", "expected": "99"})
    admin = _client(app, login, "admin")
    approve = f"/concepts/{concept.id}/versions/1/approve"
    page = admin.get(_post(admin, csrf_token, approve, {}).headers["Location"]).get_data(
        as_text=True)
    assert "cannot be approved: these test cases fail: wrong" in page
    assert 'data-passed="false"' in page and "expected 99, got 70.00" in page
    own = hr.get(_post(hr, csrf_token, approve, {}).headers["Location"]).get_data(as_text=True)
    assert "You wrote version 1, so you cannot approve it" in own
    case = session.scalars(sa.select(ConceptTestCase)).one()
    _post(hr, csrf_token, f"/concepts/{concept.id}/cases/{case.id}/edit",
          {"name": "right", "inputs": "gross = 1000", "expected": "70"})
    _post(admin, csrf_token, approve, {})
    session.expire_all()
    version = session.scalars(sa.select(ConceptVersion)).one()
    assert version.status is ConceptStatus.APPROVED


def test_self_approval_when_allowed(make_app: Callable[..., Flask], users: Any, login: Login,
                                    csrf_token: Token, session: Session) -> None:
    app = make_app(CONCEPT_ALLOW_SELF_APPROVAL=True)
    hr = _client(app, login, "hr")
    concept = _draft(hr, csrf_token, session)
    _post(hr, csrf_token, f"/concepts/{concept.id}/versions/1/approve", {})
    session.expire_all()
    assert session.scalars(sa.select(ConceptVersion)).one().status is ConceptStatus.APPROVED


def test_reject_retire_and_diff(hr: FlaskClient, csrf_token: Token, factory: Factory,
                                session: Session) -> None:
    concept = factory.concept(code="SS", formula="gross * 7%")
    session.commit()
    only = _post(hr, csrf_token, f"/concepts/{concept.id}/versions/1/reject", {})
    assert "Version 1 is Approved: the action is not possible" in hr.get(
        only.headers["Location"]).get_data(as_text=True)
    _post(hr, csrf_token, f"/concepts/{concept.id}/edit", _form(formula="gross * 8%"))
    diff = hr.get(f"/concepts/{concept.id}/diff?from=1&to=2").get_data(as_text=True)
    assert 'data-field="formula"' in diff and 'class="del">- gross * 7%' in diff
    assert 'class="add">+ gross * 8%' in diff
    _post(hr, csrf_token, f"/concepts/{concept.id}/versions/2/reject", {"reason": "typo"})
    _post(hr, csrf_token, f"/concepts/{concept.id}/versions/1/retire", {})
    session.expire_all()
    assert [(v.version, v.status) for v in session.scalars(sa.select(ConceptVersion))] == [
        (1, ConceptStatus.RETIRED)]
    assert hr.get(f"/concepts/{concept.id}/diff?from=1&to=7").status_code == 404


def test_deactivate_and_help(hr: FlaskClient, csrf_token: Token, factory: Factory,
                             session: Session) -> None:
    concept = factory.concept()
    session.commit()
    _post(hr, csrf_token, f"/concepts/{concept.id}/active", {})
    session.expire_all()
    assert session.get(Concept, concept.id).active is False  # type: ignore[union-attr]
    help_page = hr.get("/concepts/help").get_data(as_text=True)
    assert 'id="help-examples"' in help_page and "min(gross * 7%, 350)" in help_page


def test_spanish_form_and_error(client: FlaskClient, users: Any, login: Login,
                                csrf_token: Token, session: Session) -> None:
    users["hr"].language = "es"
    session.commit()
    login(client, "hr")
    page = client.get("/concepts/new").get_data(as_text=True)
    assert "Nuevo concepto" in page and "Fórmula" in page and "Deducción" in page
    response = _post(client, csrf_token, "/concepts/new", _form(formula="gross +"))
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "línea 1, columna 8: la fórmula termina antes de tiempo" in text
    assert client.get("/concepts/help").status_code == 200
    assert date.today().year > 2000
