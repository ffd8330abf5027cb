"""Company services: CRUD, deactivation rule, deletion rule."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import AuditEntry, Company
from coati_payroll.services import companies as svc
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState, NotFound

ACTOR = Actor("tester")


def count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def refused(session: Session, call, *args) -> dict[str, str]:
    before = (count(session, Company), count(session, AuditEntry))
    with pytest.raises(InvalidInput) as caught:
        call(session, ACTOR, *args)
    assert not session.new
    assert (count(session, Company), count(session, AuditEntry)) == before
    return caught.value.problems


def test_company_crud(session):
    company = svc.create_company(session, ACTOR, svc.CompanyData("ACME", " Acme ",
                                                                 "Acme S.A.", " J0310 "))
    assert (company.name, company.legal_name, company.tax_id) == ("Acme", "Acme S.A.", "J0310")
    svc.update_company(session, ACTOR, company, svc.CompanyData("ACME", "Acme Inc"))
    assert (company.name, company.legal_name) == ("Acme Inc", None)
    assert svc.get_company(session, "ACME") is company
    with pytest.raises(NotFound):
        svc.get_company(session, "NONE")
    svc.set_company_active(session, ACTOR, company, False)
    assert svc.list_companies(session, active_only=True) == []
    svc.set_company_active(session, ACTOR, company, True)
    with pytest.raises(InvalidState, match="already active"):
        svc.set_company_active(session, ACTOR, company, True)
    svc.delete_company(session, ACTOR, company)
    assert svc.list_companies(session) == []
    actions = list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["company.create", "company.update", "company.deactivate",
                       "company.activate", "company.delete"]


def test_company_refusals(session):
    company = svc.create_company(session, ACTOR, svc.CompanyData("ACME", "Acme"))
    assert refused(session, svc.create_company, svc.CompanyData(
        "ACME", "", "x" * 201, "x" * 65)) == {
        "code": "a company ACME already exists", "name": "1-200 characters",
        "legal_name": "at most 200 characters", "tax_id": "at most 64 characters"}
    assert refused(session, svc.create_company, svc.CompanyData("-x", "X")) == {
        "code": "1-40 letters, digits or _, starting with a letter"}
    assert refused(session, svc.update_company, company, svc.CompanyData("ACME2", "Acme")) == {
        "code": "the code of a company cannot change"}


def test_deactivation_needs_no_active_employees(session, factory):
    company = factory.company()
    employee = factory.employee(company=company)
    with pytest.raises(InvalidState, match="1 active employee") as caught:
        svc.set_company_active(session, ACTOR, company, False)
    assert caught.value.params == {"active_employees": 1}
    employee.active = False
    session.flush()
    svc.set_company_active(session, ACTOR, company, False)
    assert not company.active


def test_delete_refused_when_referenced(session, factory):
    with_employee = factory.company()
    factory.employee(company=with_employee)
    with pytest.raises(InvalidState, match="has employees"):
        svc.delete_company(session, ACTOR, with_employee)
    with_payroll = factory.company()
    factory.definition(company=with_payroll)
    with pytest.raises(InvalidState, match="has payrolls"):
        svc.delete_company(session, ACTOR, with_payroll)
