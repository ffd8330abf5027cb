"""Employee services: create/update, salary history, custom fields, termination."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.model import FieldType, PayBasis
from coati_payroll.db.models import AuditEntry, CustomFieldDefinition, Employee, SalaryChange
from coati_payroll.services import employees as svc
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState

ACTOR = Actor("tester")


def count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def audit_actions(session: Session) -> list[str]:
    return list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def refused(session: Session, call, *args) -> dict[str, str]:
    """Run a call that must fail with InvalidInput, writing nothing; its problems."""
    before = {m: count(session, m) for m in (Employee, SalaryChange, AuditEntry,
                                             CustomFieldDefinition)}
    with pytest.raises(InvalidInput) as caught:
        call(session, ACTOR, *args)
    assert not session.new
    assert {m: count(session, m) for m in before} == before
    return caught.value.problems


@pytest.fixture
def company(factory):
    return factory.company()


@pytest.fixture
def currency(factory):
    return factory.currency(code="USD")


def data(company, **kw) -> svc.EmployeeData:
    values = {"company_id": company.id, "code": "E1", "first_name": "Ana",
              "last_name": "López", "hire_date": date(2025, 1, 1)}
    return svc.EmployeeData(**(values | kw))


def test_create_employee_with_salary_and_custom_values(session, factory, company, currency):
    factory.custom_field(code="dependents", type=FieldType.NUMBER)
    factory.custom_field(code="union", type=FieldType.BOOLEAN, default_value="false")
    factory.custom_field(code="born", type=FieldType.DATE, default_value="2000-01-01")
    employee = svc.create_employee(session, ACTOR, data(
        company, salary=Decimal("1200.50"), salary_currency="USD", email="a@x.org",
        national_id=" 001 ", pay_basis="daily",
        custom_values={"dependents": "2", "union": "yes", "born": date(1990, 5, 1)}))
    session.flush()
    session.expire_all()
    stored = session.get(Employee, employee.id)
    assert stored.code == "E1" and stored.pay_basis is PayBasis.DAILY
    assert stored.national_id == "001"
    assert stored.custom_values == {"dependents": "2", "union": "true", "born": "1990-05-01"}
    assert [(c.salary, c.currency_code, c.effective_date) for c in stored.salary_changes] == [
        (Decimal("1200.500000"), "USD", date(2025, 1, 1))]
    assert audit_actions(session) == ["employee.create", "employee.salary_change"]


def test_create_employee_reports_every_problem(session, factory, company):
    factory.custom_field(code="dependents", type=FieldType.NUMBER)
    factory.custom_field(code="union", type=FieldType.BOOLEAN, default_value="false")
    factory.custom_field(code="old", active=False, default_value="1")
    problems = refused(session, svc.create_employee, data(
        company, code="1bad", first_name=" ", last_name="x" * 101, email="nope",
        hire_date=date(2025, 5, 1), termination_date=date(2025, 4, 30), pay_basis="weekly",
        salary=Decimal("-1"), salary_currency="XXX",
        custom_values={"union": "maybe", "ghost": "1", "old": "2"}))
    assert problems == {
        "code": "1-40 letters, digits or _, starting with a letter",
        "first_name": "required",
        "last_name": "at most 100 characters",
        "email": "not an e-mail address",
        "termination_date": "must be on or after the hire date",
        "pay_basis": "one of monthly, daily, hourly",
        "custom.union": "'maybe' is not yes/no (true or false)",
        "custom.ghost": "no such custom field",
        "custom.old": "inactive field",
        "custom.dependents": "required: this field has no default",
        "salary": "must not be negative",
        "salary_currency": "no currency XXX",
    }


def test_create_employee_refuses_duplicate_code_unknown_company_and_float(
        session, factory, company, currency):
    svc.create_employee(session, ACTOR, data(company))
    assert refused(session, svc.create_employee, data(company)) == {
        "code": f"company {company.code} already has an employee E1"}
    other = factory.company()
    assert svc.create_employee(session, ACTOR, data(other)).company_id == other.id
    assert refused(session, svc.create_employee, data(company, company_id=999_999, code="E2")
                   ) == {"company_id": "no company 999999"}
    problems = refused(session, svc.create_employee, data(
        company, code="E3", salary=1.5, salary_currency="USD"))
    assert problems == {"salary": "1.5 is not an exact decimal amount"}
    assert refused(session, svc.create_employee, data(company, code="E4",
                                                      salary_currency="USD")) == {
        "salary": "required when a salary currency is given"}
    assert refused(session, svc.create_employee, data(
        company, code="E5", salary=Decimal("1.1234567"), salary_currency="USD")) == {
        "salary": "1.1234567 has more than 6 decimal places (Money stores exactly 6)"}


def test_inactive_company_and_inactive_currency(session, factory):
    company = factory.company(active=False)
    factory.currency(code="OLD", active=False)
    assert refused(session, svc.create_employee, data(company)) == {
        "company_id": f"company {company.code} is inactive"}
    active = factory.company()
    assert refused(session, svc.create_employee, data(
        active, salary=Decimal(1), salary_currency="OLD")) == {
        "salary_currency": "currency OLD is inactive"}


def test_update_employee(session, factory, company, currency):
    employee = svc.create_employee(session, ACTOR, data(company, salary=Decimal(100),
                                                        salary_currency="USD"))
    updated = svc.update_employee(session, ACTOR, employee, data(
        company, first_name="Ana María", position="Clerk", bank_account="123"))
    assert updated.first_name == "Ana María" and updated.bank_account == "123"
    entry = session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "employee.update")).one()
    assert entry.before["first_name"] == "Ana" and entry.after["first_name"] == "Ana María"
    assert entry.after["position"] == "Clerk"


def test_update_employee_refusals(session, factory, company, currency):
    employee = svc.create_employee(session, ACTOR, data(company, salary=Decimal(100),
                                                        salary_currency="USD"))
    svc.create_employee(session, ACTOR, data(company, code="E2"))
    other = factory.company()
    problems = refused(session, svc.update_employee, employee, data(
        other, code="E2", hire_date=date(2025, 2, 1), salary=Decimal(5)))
    assert problems == {
        "company_id": "an employee cannot move to another company",
        "hire_date": "a salary change is effective before it, on 2025-01-01",
        "salary": "use a salary change (change_salary) to change the salary",
    }
    assert refused(session, svc.update_employee, employee, data(company, code="E2")) == {
        "code": f"company {company.code} already has an employee E2"}
    session.refresh(employee)
    assert employee.code == "E1"


def test_salary_history_and_salary_on(session, factory, company, currency):
    factory.currency(code="EUR")
    employee = svc.create_employee(session, ACTOR, data(company, salary=Decimal(1000),
                                                        salary_currency="USD"))
    svc.change_salary(session, ACTOR, employee, date(2025, 7, 1), Decimal(1500), "EUR",
                      "raise")
    svc.change_salary(session, ACTOR, employee, date(2025, 3, 1), Decimal(1200), "USD")
    assert svc.salary_on(employee, date(2024, 12, 31)) is None
    assert svc.salary_on(employee, date(2025, 2, 28)).salary == Decimal(1000)
    assert svc.salary_on(employee, date(2025, 3, 1)).salary == Decimal(1200)
    june = svc.salary_on(employee, date(2025, 6, 30))
    assert june.salary == Decimal(1200) and june.currency_code == "USD"
    july = svc.salary_on(employee, date(2030, 1, 1))
    assert (july.salary, july.currency_code, july.reason) == (Decimal(1500), "EUR", "raise")
    assert audit_actions(session).count("employee.salary_change") == 3


def test_change_salary_refusals(session, factory, company, currency):
    employee = svc.create_employee(session, ACTOR, data(
        company, salary=Decimal(1000), salary_currency="USD",
        termination_date=date(2025, 12, 31)))
    assert refused(session, svc.change_salary, employee, date(2025, 1, 1), Decimal(5),
                   "USD") == {"effective_date": "there is already a salary change on 2025-01-01"}
    assert refused(session, svc.change_salary, employee, date(2024, 12, 1), Decimal(-5),
                   "NOPE") == {"salary": "must not be negative", "currency": "no currency NOPE",
                               "effective_date": "before the hire date 2025-01-01"}
    assert refused(session, svc.change_salary, employee, date(2026, 1, 1), Decimal(5),
                   "USD", "x" * 201) == {
        "effective_date": "after the termination date 2025-12-31",
        "reason": "at most 200 characters"}
    assert svc.change_salary(session, ACTOR, employee, date(2025, 2, 1), Decimal(0),
                             "USD").salary == Decimal(0)


def test_terminate_and_activation(session, company, currency):
    employee = svc.create_employee(session, ACTOR, data(company))
    assert refused(session, svc.terminate_employee, employee, date(2024, 1, 1)) == {
        "termination_date": "must be on or after the hire date"}
    svc.terminate_employee(session, ACTOR, employee, date(2025, 6, 30))
    assert employee.termination_date == date(2025, 6, 30) and employee.active
    svc.set_employee_active(session, ACTOR, employee, False)
    assert not employee.active
    with pytest.raises(InvalidState):
        svc.set_employee_active(session, ACTOR, employee, False)
    svc.set_employee_active(session, ACTOR, employee, True)
    assert audit_actions(session)[-3:] == [
        "employee.terminate", "employee.deactivate", "employee.activate"]


@pytest.mark.parametrize(("field_type", "given", "parsed", "text"), [
    (FieldType.NUMBER, "12.50", Decimal("12.50"), "12.50"),
    (FieldType.NUMBER, 3, Decimal(3), "3"),
    (FieldType.TEXT, "abc", "abc", "abc"),
    (FieldType.DATE, "2025-02-03", date(2025, 2, 3), "2025-02-03"),
    (FieldType.BOOLEAN, "No", False, "false"),
    (FieldType.BOOLEAN, True, True, "true"),
])
def test_field_values_round_trip(field_type, given, parsed, text):
    assert svc.parse_field_value(field_type, given) == parsed
    assert svc.field_value_text(field_type, parsed) == text
    assert svc.parse_field_value(field_type, text) == parsed


@pytest.mark.parametrize(("field_type", "given"), [
    (FieldType.NUMBER, 1.5), (FieldType.NUMBER, "x"), (FieldType.NUMBER, True),
    (FieldType.TEXT, 5), (FieldType.TEXT, "x" * 501), (FieldType.DATE, "2025-13-01"),
    (FieldType.BOOLEAN, "2"),
])
def test_field_values_refused(field_type, given):
    with pytest.raises(ValueError):
        svc.parse_field_value(field_type, given)


def test_custom_field_crud(session, factory, company):
    definition = svc.create_custom_field(session, ACTOR, svc.CustomFieldData(
        "dependents", "Dependents", "number", default="0"))
    assert (definition.type, definition.default_value, definition.active) == (
        FieldType.NUMBER, "0", True)
    svc.update_custom_field(session, ACTOR, definition, svc.CustomFieldData(
        "dependents", "Children", FieldType.NUMBER, default=None, position=2))
    assert (definition.label, definition.default_value, definition.position) == (
        "Children", None, 2)
    svc.set_custom_field_active(session, ACTOR, definition, False)
    assert svc.list_custom_fields(session, active_only=True) == []
    assert svc.list_custom_fields(session) == [definition]
    svc.delete_custom_field(session, ACTOR, definition)
    assert count(session, CustomFieldDefinition) == 0
    assert audit_actions(session) == ["custom_field.create", "custom_field.update",
                                      "custom_field.deactivate", "custom_field.delete"]


def test_custom_field_refusals(session, factory):
    existing = svc.create_custom_field(session, ACTOR, svc.CustomFieldData(
        "born", "Born", "date"))
    assert refused(session, svc.create_custom_field, svc.CustomFieldData(
        "born", "", "colour", default="x")) == {
        "code": "a custom field born already exists", "label": "required",
        "type": "one of number, text, date, boolean"}
    assert refused(session, svc.create_custom_field, svc.CustomFieldData(
        "9x", "L", "date", default="tomorrow")) == {
        "code": "1-40 letters, digits or _, starting with a letter",
        "default": "'tomorrow' is not a date (YYYY-MM-DD)"}
    assert refused(session, svc.update_custom_field, existing, svc.CustomFieldData(
        "born2", "Born", "text")) == {"code": "the code of a custom field cannot change",
                                      "type": "the type of a custom field cannot change"}


def test_custom_field_in_use_cannot_be_deleted(session, factory, company):
    used = svc.create_custom_field(session, ACTOR, svc.CustomFieldData("kids", "Kids",
                                                                       "number", default="0"))
    svc.create_employee(session, ACTOR, data(company, custom_values={"kids": "2"}))
    with pytest.raises(InvalidState, match="has values for employees E1"):
        svc.delete_custom_field(session, ACTOR, used)
    in_formula = svc.create_custom_field(session, ACTOR, svc.CustomFieldData(
        "zone", "Zone", "number", default="0"))
    concept = factory.concept(formula="custom.zone * 2")
    with pytest.raises(InvalidState, match=f"used by concept {concept.code}"):
        svc.delete_custom_field(session, ACTOR, in_formula)


def test_employee_data_is_frozen(company):
    with pytest.raises(dataclasses.FrozenInstanceError):
        data(company).code = "X"  # type: ignore[misc]
