"""Payroll types and payroll definitions: validation, assignments, cloning."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.model import ConceptKind, Periodicity, SalaryConversion
from coati_payroll.db.models import (
    AuditEntry,
    DefinitionConcept,
    DefinitionEmployee,
    PayrollDefinition,
    PayrollType,
)
from coati_payroll.services import definitions as svc
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState, NotFound

ACTOR = Actor("tester")


def count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def refused(session: Session, call, *args, **kw) -> dict[str, str]:
    models = (PayrollType, PayrollDefinition, DefinitionConcept, DefinitionEmployee,
              AuditEntry)
    before = [count(session, m) for m in models]
    with pytest.raises(InvalidInput) as caught:
        call(session, ACTOR, *args, **kw)
    assert not session.new
    assert [count(session, m) for m in models] == before
    return caught.value.problems


def actions(session: Session) -> list[str]:
    return list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_payroll_type_crud(session, factory):
    factory.input_definition(code="ABSENT")
    biweekly = svc.create_payroll_type(session, ACTOR, svc.PayrollTypeData(
        "BIWEEKLY", "Biweekly", "biweekly", conversion="annualized", periods_per_year=26,
        proration="commercial_30", fiscal_year_start_month=4, absence_days_input="ABSENT"))
    assert (biweekly.periodicity, biweekly.conversion, biweekly.periods_per_year) == (
        Periodicity.BIWEEKLY, SalaryConversion.ANNUALIZED, 26)
    svc.update_payroll_type(session, ACTOR, biweekly, svc.PayrollTypeData(
        "BIWEEKLY", "Quincenal", "biweekly", conversion="divisor", divisor=D(2)))
    assert (biweekly.name, biweekly.divisor, biweekly.absence_days_input) == (
        "Quincenal", D(2), None)
    svc.set_payroll_type_active(session, ACTOR, biweekly, False)
    with pytest.raises(InvalidState):
        svc.set_payroll_type_active(session, ACTOR, biweekly, False)
    assert actions(session) == ["payroll_type.create", "payroll_type.update",
                                "payroll_type.deactivate"]


def test_payroll_type_refusals(session, factory):
    factory.payroll_type(code="MONTHLY")
    factory.input_definition(code="OLD", active=False)
    assert refused(session, svc.create_payroll_type, svc.PayrollTypeData(
        "MONTHLY", " ", "fortnightly", conversion="magic", divisor=D(0), periods_per_year=0,
        proration="actual", days_per_month=D(-30), hours_per_day=8.0,
        fiscal_year_start_month=13, absence_days_input="OLD", hours_worked_input="NOPE")) == {
        "code": "a payroll type MONTHLY already exists", "name": "1-200 characters",
        "periodicity": "one of monthly, semi_monthly, biweekly, weekly, daily",
        "conversion": "one of divisor, annualized, daily",
        "proration": "one of calendar_days, commercial_30",
        "divisor": "must be greater than 0", "days_per_month": "must be greater than 0",
        "hours_per_day": "8.0 is not an exact decimal",
        "periods_per_year": "a whole number greater than 0",
        "fiscal_year_start_month": "1 to 12", "absence_days_input": "no active input OLD",
        "hours_worked_input": "no active input NOPE"}
    existing = session.scalars(sa.select(PayrollType)).one()
    assert refused(session, svc.update_payroll_type, existing, svc.PayrollTypeData(
        "OTHER", "x", "monthly")) == {"code": "the code of a payroll type cannot change"}
    assert refused(session, svc.create_payroll_type, svc.PayrollTypeData(
        "A B", "x", "monthly")) == {
        "code": "1-40 letters, digits or _, starting with a letter"}


@pytest.fixture
def base(factory):
    company = factory.company()
    payroll_type = factory.payroll_type()
    currency = factory.currency(code="USD")
    return company, payroll_type, currency


def ddata(base, **kw) -> svc.DefinitionData:
    company, payroll_type, currency = base
    values = {"company_id": company.id, "code": "MAIN", "name": "Main payroll",
              "payroll_type_id": payroll_type.id, "currency_code": currency.code}
    return svc.DefinitionData(**(values | kw))


def test_definition_create_update(session, factory, base):
    definition = svc.create_definition(session, ACTOR, ddata(base))
    other_type = factory.payroll_type()
    svc.update_definition(session, ACTOR, definition, ddata(
        base, code="MAIN2", name="Renamed", payroll_type_id=other_type.id))
    assert (definition.code, definition.name, definition.payroll_type.id) == (
        "MAIN2", "Renamed", other_type.id)
    other_company = factory.company()
    svc.create_definition(session, ACTOR, ddata(base, company_id=other_company.id,
                                                code="MAIN2"))
    assert [d.code for d in svc.list_definitions(session, base[0].id)] == ["MAIN2"]
    assert actions(session) == ["payroll.create", "payroll.update", "payroll.create"]


def test_definition_refusals(session, factory, base):
    definition = svc.create_definition(session, ACTOR, ddata(base))
    inactive_type = factory.payroll_type(active=False)
    factory.currency(code="OLD", active=False)
    assert refused(session, svc.create_definition, ddata(
        base, name="", payroll_type_id=inactive_type.id, currency_code="OLD")) == {
        "code": "the company already has a payroll MAIN", "name": "1-200 characters",
        "payroll_type_id": f"no active payroll type {inactive_type.id}",
        "currency_code": "no active currency OLD"}
    assert refused(session, svc.create_definition, ddata(
        base, company_id=999_999, code="9", payroll_type_id=999_999, currency_code="X")) == {
        "company_id": "no active company 999999",
        "code": "1-40 letters, digits or _, starting with a letter",
        "payroll_type_id": "no active payroll type 999999",
        "currency_code": "no active currency X"}
    other = factory.company()
    assert refused(session, svc.update_definition, definition, ddata(
        base, company_id=other.id)) == {
        "company_id": "a payroll cannot move to another company"}


def test_assign_and_unassign(session, factory, base):
    company = base[0]
    definition = svc.create_definition(session, ACTOR, ddata(base))
    employee = factory.employee(company=company)
    tax = factory.concept(code="TAX", formula="gross * 0.1")
    bonus = factory.concept(code="BONUS", formula="100", kind=ConceptKind.EARNING)
    svc.assign_employee(session, ACTOR, definition, employee)
    svc.assign_concept(session, ACTOR, definition, tax, priority_override=5)
    svc.assign_concept(session, ACTOR, definition, bonus)
    assert [(c.concept_id, c.priority_override) for c in definition.concepts] == [
        (tax.id, 5), (bonus.id, None)]
    svc.set_concept_priority(session, ACTOR, definition, tax, 2)
    assert definition.concepts[0].priority_override == 2
    svc.unassign_concept(session, ACTOR, definition, bonus)
    svc.unassign_employee(session, ACTOR, definition, employee)
    assert count(session, DefinitionEmployee) == 0 and count(session, DefinitionConcept) == 1
    with pytest.raises(NotFound):
        svc.unassign_employee(session, ACTOR, definition, employee)
    with pytest.raises(NotFound):
        svc.unassign_concept(session, ACTOR, definition, bonus)
    with pytest.raises(NotFound):
        svc.set_concept_priority(session, ACTOR, definition, bonus, 1)
    assert actions(session)[1:] == [
        "payroll.assign_employee", "payroll.assign_concept", "payroll.assign_concept",
        "payroll.set_priority", "payroll.unassign_concept", "payroll.unassign_employee"]


def test_assign_refusals(session, factory, base):
    company = base[0]
    definition = svc.create_definition(session, ACTOR, ddata(base))
    stranger = factory.employee()
    inactive = factory.employee(company=company, active=False)
    member = factory.employee(company=company)
    svc.assign_employee(session, ACTOR, definition, member)
    assert refused(session, svc.assign_employee, definition, stranger) == {
        "employee_id": f"employee {stranger.code} belongs to another company"}
    assert refused(session, svc.assign_employee, definition, inactive) == {
        "employee_id": f"employee {inactive.code} is inactive"}
    assert refused(session, svc.assign_employee, definition, member) == {
        "employee_id": f"employee {member.code} is already in this payroll"}
    bonus = factory.concept(code="BONUS", formula="1", kind=ConceptKind.EARNING)
    old = factory.concept(code="OLD", active=False)
    assert refused(session, svc.assign_concept, definition, bonus, priority_override=3) == {
        "priority_override": "only deductions have a priority"}
    assert refused(session, svc.assign_concept, definition, old) == {
        "concept_id": "concept OLD is inactive"}
    svc.assign_concept(session, ACTOR, definition, bonus)
    assert refused(session, svc.assign_concept, definition, bonus) == {
        "concept_id": "concept BONUS is already in this payroll"}
    assert refused(session, svc.set_concept_priority, definition, bonus, 1) == {
        "priority_override": "only deductions have a priority"}


def test_clone(session, factory, base):
    company = base[0]
    definition = svc.create_definition(session, ACTOR, ddata(base))
    tax = factory.concept(code="TAX")
    svc.assign_concept(session, ACTOR, definition, tax, priority_override=4)
    svc.assign_employee(session, ACTOR, definition, factory.employee(company=company))
    bare = svc.clone_definition(session, ACTOR, definition, "COPY")
    assert (bare.name, bare.payroll_type_id, bare.currency_code) == (
        "Main payroll", definition.payroll_type_id, "USD")
    assert [(c.concept_id, c.priority_override) for c in bare.concepts] == [(tax.id, 4)]
    assert bare.employees == []
    full = svc.clone_definition(session, ACTOR, definition, "FULL", "Full copy",
                                with_employees=True)
    assert full.name == "Full copy" and len(full.employees) == 1
    assert len(definition.concepts) == 1 and len(definition.employees) == 1
    assert refused(session, svc.clone_definition, definition, "MAIN") == {
        "code": "the company already has a payroll MAIN"}
    entry = session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "payroll.clone").order_by(AuditEntry.id)).first()
    assert entry.after == {"from": "MAIN", "concepts": 1, "employees": 0}
