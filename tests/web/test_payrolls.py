"""Payroll definition pages: create/edit, employees (search, add, bulk, remove), concepts
with priority overrides, clone, Spanish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.core.model import ConceptKind
from coati_payroll.db.models import DefinitionConcept, DefinitionEmployee, PayrollDefinition
from coati_payroll.db.testing import Factory

Token = Callable[..., str]


@pytest.fixture
def hr(client: FlaskClient, users: Any, login: Callable[..., Any]) -> FlaskClient:
    login(client, "hr")
    return client


def _post(client: FlaskClient, token: Token, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data={**data, "csrf_token": token(client, "/auth/password")})


def _definitions(session: Session) -> list[PayrollDefinition]:
    session.expire_all()
    return list(session.scalars(sa.select(PayrollDefinition).order_by(PayrollDefinition.id)))


@pytest.fixture
def setup(factory: Factory, session: Session) -> dict[str, Any]:
    company = factory.company(code="ACME", name="Acme")
    values = {"company": company, "type": factory.payroll_type(code="MONTHLY"),
              "currency": factory.currency(code="NIO"),
              "ana": factory.employee(company=company, first_name="Ana", code="E1"),
              "luis": factory.employee(company=company, first_name="Luis", code="E2"),
              "gone": factory.employee(company=company, code="E3", active=False),
              "other": factory.employee(code="X1"),
              "tax": factory.concept(code="TAX", kind=ConceptKind.DEDUCTION),
              "bonus": factory.concept(code="BONUS", kind=ConceptKind.EARNING)}
    session.commit()
    return values


def _form(setup: dict[str, Any], **values: str) -> dict[str, str]:
    data = {"company_id": str(setup["company"].id), "code": "STAFF", "name": "Monthly staff",
            "payroll_type_id": str(setup["type"].id), "currency_code": "NIO"}
    data.update(values)
    return data


def test_create_and_edit(hr: FlaskClient, csrf_token: Token, setup: dict[str, Any],
                         session: Session) -> None:
    created = _post(hr, csrf_token, "/payrolls/new", _form(setup))
    assert created.status_code == 302
    [definition] = _definitions(session)
    page = hr.get(created.headers["Location"]).get_data(as_text=True)
    assert "Payroll definition STAFF saved." in page and 'data-payroll="STAFF"' in page
    edited = _post(hr, csrf_token, f"/payrolls/{definition.id}/edit",
                   _form(setup, company_id="999", name="Renamed"))
    assert edited.status_code == 302
    [definition] = _definitions(session)
    assert definition.name == "Renamed" and definition.company_id == setup["company"].id
    assert 'data-payroll="STAFF"' in hr.get("/payrolls/").get_data(as_text=True)


def test_bad_input_nothing_saved(hr: FlaskClient, csrf_token: Token, setup: dict[str, Any],
                                 factory: Factory, session: Session) -> None:
    bad = _post(hr, csrf_token, "/payrolls/new", _form(setup, code="", company_id="999",
                                                       currency_code="USD"))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'id="code-errors"' in page and 'id="company_id-errors"' in page
    factory.definition(company=setup["company"], code="STAFF")
    session.commit()
    taken = _post(hr, csrf_token, "/payrolls/new", _form(setup))
    assert taken.status_code == 422
    assert "the company already has a payroll STAFF" in taken.get_data(as_text=True)
    assert len(_definitions(session)) == 1


def test_employees_search_add_bulk_remove(hr: FlaskClient, csrf_token: Token,
                                          setup: dict[str, Any], factory: Factory,
                                          session: Session) -> None:
    definition = factory.definition(company=setup["company"], code="STAFF")
    session.commit()
    url = f"/payrolls/{definition.id}"
    found = hr.get(f"{url}?q=ana").get_data(as_text=True)
    assert 'data-employee="E1"' in found and 'data-employee="E2"' not in found
    assert 'data-employee="E3"' not in hr.get(f"{url}?q=E").get_data(as_text=True)
    assert _post(hr, csrf_token, f"{url}/employees",
                 {"employee_id": setup["ana"].id}).status_code == 302
    again = _post(hr, csrf_token, f"{url}/employees", {"employee_id": setup["ana"].id})
    assert "is already in this payroll" in hr.get(again.headers["Location"]).get_data(
        as_text=True)
    other = _post(hr, csrf_token, f"{url}/employees", {"employee_id": setup["other"].id})
    assert "belongs to another company" in hr.get(other.headers["Location"]).get_data(
        as_text=True)
    _post(hr, csrf_token, f"{url}/employees/all", {})
    page = hr.get(url).get_data(as_text=True)
    assert "1 employees of the company added." in page
    assert 'data-member="E1"' in page and 'data-member="E2"' in page
    assert 'data-member="E3"' not in page
    _post(hr, csrf_token, f"{url}/employees/{setup['ana'].id}/remove", {})
    session.expire_all()
    assert [m.employee_id for m in session.scalars(sa.select(DefinitionEmployee))] == [
        setup["luis"].id]
    assert _post(hr, csrf_token, f"{url}/employees", {}).status_code == 404


def test_concepts_with_priority(hr: FlaskClient, csrf_token: Token, setup: dict[str, Any],
                                factory: Factory, session: Session) -> None:
    definition = factory.definition(company=setup["company"], code="STAFF")
    session.commit()
    url = f"/payrolls/{definition.id}"
    bad = _post(hr, csrf_token, f"{url}/concepts",
                {"concept_id": setup["bonus"].id, "priority_override": "5"})
    assert "only deductions have a priority" in hr.get(bad.headers["Location"]).get_data(
        as_text=True)
    word = _post(hr, csrf_token, f"{url}/concepts",
                 {"concept_id": setup["tax"].id, "priority_override": "x"})
    assert "x is not a whole number" in hr.get(word.headers["Location"]).get_data(as_text=True)
    assert session.scalars(sa.select(DefinitionConcept)).all() == []
    _post(hr, csrf_token, f"{url}/concepts",
          {"concept_id": setup["tax"].id, "priority_override": "5"})
    _post(hr, csrf_token, f"{url}/concepts", {"concept_id": setup["bonus"].id})
    _post(hr, csrf_token, f"{url}/concepts/{setup['tax'].id}/priority",
          {"priority_override": "7"})
    page = hr.get(url).get_data(as_text=True)
    assert 'data-linked-concept="TAX" data-priority="7"' in page
    _post(hr, csrf_token, f"{url}/concepts/{setup['bonus'].id}/remove", {})
    session.expire_all()
    links = session.scalars(sa.select(DefinitionConcept)).all()
    assert [(link.concept_id, link.priority_override) for link in links] == [
        (setup["tax"].id, 7)]


def test_clone(hr: FlaskClient, csrf_token: Token, setup: dict[str, Any], factory: Factory,
               session: Session) -> None:
    definition = factory.definition(company=setup["company"], code="STAFF")
    factory.definition_employee(definition=definition, employee=setup["ana"])
    factory.definition_concept(definition=definition, concept=setup["tax"],
                               priority_override=3)
    session.commit()
    url = f"/payrolls/{definition.id}/clone"
    assert 'value="STAFF_COPY"' in hr.get(url).get_data(as_text=True)
    taken = _post(hr, csrf_token, url, {"code": "STAFF", "name": "Copy"})
    assert taken.status_code == 422
    assert "the company already has a payroll STAFF" in taken.get_data(as_text=True)
    empty = _post(hr, csrf_token, url, {"code": "", "name": ""})
    assert empty.status_code == 422
    copied = _post(hr, csrf_token, url, {"code": "STAFF2", "name": "Copy",
                                         "with_employees": "y"})
    assert copied.status_code == 302
    copy = _definitions(session)[-1]
    assert (copy.code, copy.name, len(copy.employees)) == ("STAFF2", "Copy", 1)
    assert [(c.concept_id, c.priority_override) for c in copy.concepts] == [
        (setup["tax"].id, 3)]


def test_audit_and_spanish(client: FlaskClient, users: Any, login: Callable[..., Any],
                           csrf_token: Token, setup: dict[str, Any], factory: Factory,
                           session: Session) -> None:
    definition = factory.definition(company=setup["company"], code="STAFF")
    users["audit"].language = "es"
    session.commit()
    login(client, "audit")
    page = client.get(f"/payrolls/{definition.id}").get_data(as_text=True)
    assert "Empleados (0)" in page and 'id="payroll-edit"' not in page
    assert client.get(f"/payrolls/{definition.id}/clone").status_code == 403
    assert _post(client, csrf_token, f"/payrolls/{definition.id}/employees/all",
                 {}).status_code == 403
