"""Concept services: versions and governance, formula validation, evaluation, test cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.formula.tables import TableKind
from coati_payroll.core.model import ConceptKind, FieldType
from coati_payroll.core.money import RoundingPolicy
from coati_payroll.db.models import (
    AuditEntry,
    Concept,
    ConceptStatus,
    ConceptTestCase,
    ConceptVersion,
)
from coati_payroll.services import concept_tests as tests_svc
from coati_payroll.services import concepts as svc
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState, NotFound

AUTHOR = Actor("author", None)
JAN = date(2026, 1, 1)


def count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def refused(session: Session, call, *args, **kw) -> InvalidInput:
    models = (Concept, ConceptVersion, ConceptTestCase, AuditEntry)
    before = [count(session, m) for m in models]
    with pytest.raises(InvalidInput) as caught:
        call(session, AUTHOR, *args, **kw)
    assert not session.new
    assert [count(session, m) for m in models] == before
    return caught.value


def actions(session: Session) -> list[str]:
    return list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def cdata(code="SS", formula="gross * 0.07", kind="deduction", **kw) -> svc.ConceptData:
    return svc.ConceptData(code=code, name=kw.pop("name", code), kind=kind, formula=formula,
                           effective_from=kw.pop("effective_from", JAN), **kw)


@pytest.fixture
def users(factory):
    return Actor("author", factory.user(username="author").id), \
        Actor("checker", factory.user(username="checker").id)


def test_create_concept_makes_a_draft(session, factory):
    factory.input_definition(code="OT")
    concept = svc.create_concept(session, AUTHOR, cdata(
        "OVERTIME", "input.OT * hourly_rate * 1.5", "earning", tags=("taxable", "taxable"),
        cap=Decimal("500"), floor=Decimal("0"), condition="input.OT > 0"))
    [version] = concept.versions
    assert (version.version, version.status, version.tags) == (1, ConceptStatus.DRAFT,
                                                               ["taxable"])
    assert (concept.kind, version.cap, version.condition) == (
        ConceptKind.EARNING, Decimal("500"), "input.OT > 0")
    assert actions(session) == ["concept.create"]


def test_create_concept_refusals(session, factory):
    factory.concept(code="TAKEN")
    error = refused(session, svc.create_concept, cdata(
        "TAKEN", "1", "earning", name="", shortfall="never", loan=True, cap=Decimal(1),
        floor=Decimal(2), tags=("ok", "bad tag"), debit_account="x" * 65))
    assert error.problems == {
        "code": "a concept TAKEN already exists", "name": "1-200 characters",
        "shortfall": "one of partial, skip", "loan": "only a deduction can repay loans",
        "cap": "below the floor 2", "tags": "not valid tag codes: bad tag",
        "debit_account": "at most 64 characters"}
    assert refused(session, svc.create_concept, cdata("gross")).problems == {
        "code": "gross is a reserved name"}
    assert refused(session, svc.create_concept, cdata("1X")).problems == {
        "code": "1-40 letters, digits or _, starting with a letter"}
    assert refused(session, svc.create_concept, cdata(
        "K", "1", kind="bonus", priority="high", floor=Decimal("-1"))).problems == {
        "kind": "one of earning, deduction, employer", "priority": "a whole number",
        "floor": "must not be negative"}
    assert refused(session, svc.create_concept, cdata("K", " ")).problems == {
        "formula": "required"}


def test_formula_errors_are_positioned(session):
    error = refused(session, svc.create_concept, cdata("TAX", "gross * bogus",
                                                       condition="gross + 1"))
    assert error.problems["formula"].startswith("line 1, column 9: unknown name bogus")
    assert error.params["positions"]["formula"] == {
        "code": "unknown_name", "position": 8, "line": 1, "column": 9}
    assert error.problems["condition"].startswith("line 1, column 1: the formula must give "
                                                  "a boolean")
    self_read = refused(session, svc.create_concept, cdata("TAX", "TAX * 2"))
    assert self_read.problems["formula"].startswith("line 1, column 1: unknown name TAX")


def test_kind_ordering_rules_checked_at_save(session, factory):
    factory.concept(code="SS", formula="gross * 0.07", kind=ConceptKind.DEDUCTION)
    factory.concept(code="EMPLOYER_SS", formula="gross * 0.2", kind=ConceptKind.EMPLOYER)
    assert refused(session, svc.create_concept, cdata("BONUS", "gross * 0.1 + SS",
                                                      "earning")).problems == {
        "formula": "a earning cannot read gross, SS (they are computed after it)"}
    assert refused(session, svc.create_concept, cdata("TAX", "net * 0.1 + EMPLOYER_SS")
                   ).problems == {"formula": "a deduction cannot read net, EMPLOYER_SS "
                                             "(they are computed after it)"}
    svc.create_concept(session, AUTHOR, cdata("PROV", "net + SS + EMPLOYER_SS", "employer"))


def test_loan_concepts_read_loan_names(session):
    concept = svc.create_concept(session, AUTHOR, cdata("LOAN", "loan.installment",
                                                        loan=True))
    assert concept.versions[0].loan
    assert "unknown name" in refused(session, svc.create_concept, cdata(
        "OTHER", "loan.installment")).problems["formula"]


def test_edit_draft_in_place_then_new_version_after_approval(session, users):
    author, checker = users
    concept = svc.create_concept(session, author, cdata("SS", "gross * 0.07"))
    draft = svc.edit_concept(session, author, concept, cdata("SS", "gross * 0.08",
                                                             name="Social security"))
    assert (draft.version, draft.formula, concept.name) == (1, "gross * 0.08",
                                                            "Social security")
    svc.approve_version(session, checker, draft)
    assert (draft.status, draft.approved_by_id) == (ConceptStatus.APPROVED, checker.user_id)
    assert draft.approved_at is not None
    second = svc.edit_concept(session, author, concept, cdata("SS", "gross * 0.09",
                                                              effective_from=date(2026, 7, 1)))
    assert (second.version, second.status, draft.formula) == (2, ConceptStatus.DRAFT,
                                                              "gross * 0.08")
    again = svc.edit_concept(session, author, concept, cdata("SS", "gross * 0.095",
                                                             effective_from=date(2026, 7, 1)))
    assert again is second and [v.version for v in svc.list_versions(concept)] == [1, 2]
    assert refused(session, svc.edit_concept, concept, cdata("SS2", "1", "earning")
                   ).problems == {"code": "the code of a concept cannot change",
                                  "kind": "the kind of a concept cannot change"}
    svc.approve_version(session, checker, second)
    assert svc.version_in_force(concept, date(2026, 6, 30)) is draft
    assert svc.version_in_force(concept, date(2026, 7, 1)) is second
    assert svc.version_in_force(concept, date(2025, 12, 31)) is None
    assert actions(session) == ["concept.create", "concept.edit_draft", "concept.approve",
                                "concept.new_version", "concept.edit_draft",
                                "concept.approve"]


def test_approval_with_same_effective_date_retires_the_previous(session, users):
    author, checker = users
    concept = svc.create_concept(session, author, cdata("SS", "gross * 0.07"))
    first = svc.approve_version(session, checker, concept.versions[0])
    second = svc.edit_concept(session, author, concept, cdata("SS", "gross * 0.08"))
    svc.approve_version(session, checker, second)
    assert (first.status, second.status) == (ConceptStatus.RETIRED, ConceptStatus.APPROVED)
    assert svc.version_in_force(concept, JAN) is second
    with pytest.raises(InvalidState, match="not a draft"):
        svc.approve_version(session, checker, second)


def test_four_eyes(session, users):
    author, _ = users
    concept = svc.create_concept(session, author, cdata("SS", "gross * 0.07"))
    with pytest.raises(InvalidState, match="cannot approve it"):
        svc.approve_version(session, author, concept.versions[0])
    svc.approve_version(session, author, concept.versions[0], allow_self_approval=True)


def test_approval_refused_while_a_case_fails(session, users):
    author, checker = users
    concept = svc.create_concept(session, author, cdata("SS", "gross * 0.07"))
    tests_svc.add_test_case(session, author, concept, "typical", {"gross": "1000"},
                            Decimal("70"))
    tests_svc.add_test_case(session, author, concept, "rounding", {"gross": "1000.07"},
                            Decimal("70.00"))
    version = svc.edit_concept(session, author, concept, cdata("SS", "gross * 0.075"))
    with pytest.raises(InvalidState) as caught:
        svc.approve_version(session, checker, version)
    assert caught.value.params["failing"] == ["rounding", "typical"]
    assert "typical (expected 70, got 75.00)" in caught.value.message
    assert version.status is ConceptStatus.DRAFT
    svc.edit_concept(session, author, concept, cdata("SS", "gross * 0.07"))
    results = tests_svc.run_test_cases(session, version)
    assert [(r.case.name, r.passed, r.actual) for r in results] == [
        ("rounding", True, Decimal("70.00")), ("typical", True, Decimal("70.00"))]
    svc.approve_version(session, checker, version)


def test_approval_revalidates_formulas(session, factory, users):
    author, checker = users
    field = factory.custom_field(code="zone", type=FieldType.NUMBER, default_value="0")
    concept = svc.create_concept(session, author, cdata("Z", "custom.zone * 2", "earning"))
    field.active = False
    session.flush()
    with pytest.raises(InvalidInput) as caught:
        svc.approve_version(session, checker, concept.versions[0])
    assert "unknown name" in caught.value.problems["formula"]


def test_reject_and_retire(session, users):
    author, checker = users
    concept = svc.create_concept(session, author, cdata("SS", "gross * 0.07"))
    with pytest.raises(InvalidState, match="only version"):
        svc.reject_draft(session, checker, concept.versions[0])
    first = svc.approve_version(session, checker, concept.versions[0])
    draft = svc.edit_concept(session, author, concept, cdata("SS", "gross"))
    svc.reject_draft(session, checker, draft, "wrong rate")
    assert [v.version for v in concept.versions] == [1]
    with pytest.raises(InvalidState, match="not a draft"):
        svc.reject_draft(session, checker, first)
    svc.retire_version(session, checker, first)
    assert svc.version_in_force(concept, JAN) is None
    with pytest.raises(InvalidState, match="not approved"):
        svc.retire_version(session, checker, first)
    svc.set_concept_active(session, checker, concept, False)
    with pytest.raises(InvalidState):
        svc.set_concept_active(session, checker, concept, False)
    assert svc.find_concept(session, "SS") is concept
    entry = session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "concept.reject_draft")).one()
    assert entry.after == {"reason": "wrong rate"} and entry.before["formula"] == "gross"


def test_evaluate_concept(session, factory):
    factory.input_definition(code="OT")
    factory.concept(code="BONUS", formula="100", kind=ConceptKind.EARNING)
    factory.accumulator(code="GROSS")
    factory.rate_table(code="TAX", rows=[("0", "1000", "0", "0"), ("1000", None, "0.1", "0")])
    concept = svc.create_concept(session, AUTHOR, cdata(
        "T", 'table("TAX", gross) + input.OT + BONUS + ytd.GROSS / 1000', cap=Decimal("999"),
        condition="employee.hire_date < date(2026, 1, 1)"))
    version = concept.versions[0]
    amount, trace = tests_svc.evaluate_concept(session, version, {
        "gross": "2000.555", "input.OT": "5", "employee.hire_date": "2025-01-01"})
    assert amount == Decimal("105.06")
    assert trace.values == (("gross", Decimal("2000.555")), ("input.OT", Decimal("5")),
                            ("BONUS", Decimal(0)), ("ytd.GROSS", Decimal(0)))
    assert trace.table_rows[0].row == 2 and trace.unrounded == Decimal("105.0555")
    no, trace = tests_svc.evaluate_concept(session, version, {
        "gross": "2000", "employee.hire_date": date(2026, 5, 1)})
    assert no == Decimal("0.00") and trace.note == "condition is false"
    capped, trace = tests_svc.evaluate_concept(
        session, version, {"gross": "100000", "employee.hire_date": "2025-01-01"},
        RoundingPolicy(Decimal(1)))
    assert capped == Decimal("999") and trace.note == "limited to the cap 999"
    factory.currency(code="JPY", minor_unit=Decimal(1))
    yen, _ = tests_svc.evaluate_concept(session, version, {
        "gross": "2000.555", "employee.hire_date": "2025-01-01"},
        tests_svc.rounding_of(session, "JPY"))
    assert yen == Decimal(100)
    with pytest.raises(NotFound):
        tests_svc.rounding_of(session, "NOPE")


def test_evaluate_concept_refusals(session):
    concept = svc.create_concept(session, AUTHOR, cdata(
        "D", "100 / gross - 1", condition="employee.hired_in_period"))
    version = concept.versions[0]
    with pytest.raises(InvalidInput) as caught:
        tests_svc.evaluate_concept(session, version, {"gross": "abc", "nope": "1",
                                                      "employee.hired_in_period": "yes"})
    assert caught.value.problems == {"inputs.gross": "'abc' is not a number",
                                     "inputs.nope": "unknown name"}
    with pytest.raises(InvalidInput) as caught:
        tests_svc.evaluate_concept(session, version, {"gross": "1"})
    assert caught.value.problems == {
        "inputs.employee.hired_in_period": "a value is needed (boolean)"}
    with pytest.raises(InvalidInput) as caught:
        tests_svc.evaluate_concept(session, version, {"employee.hired_in_period": "true"})
    assert caught.value.problems["formula"].startswith("line 1, column 5: division by zero")
    with pytest.raises(InvalidInput) as caught:
        tests_svc.evaluate_concept(session, version, {"gross": "1000",
                                                      "employee.hired_in_period": "true"})
    assert "negative amount (-0.9)" in caught.value.problems["formula"]


def test_test_case_crud(session):
    concept = svc.create_concept(session, AUTHOR, cdata("SS", "gross * 0.07"))
    case = tests_svc.add_test_case(session, AUTHOR, concept, " base ", {
        "gross": Decimal("1000.50"), "salary": 5}, Decimal("70.04"))
    assert (case.name, case.inputs) == ("base", {"gross": "1000.50", "salary": "5"})
    result = tests_svc.run_test_cases(session, concept.versions[0])
    assert [(r.passed, r.actual, r.message) for r in result] == [(True, Decimal("70.04"), "")]
    tests_svc.update_test_case(session, AUTHOR, case, "base", {"gross": "10"}, Decimal("1"))
    [failed] = tests_svc.run_test_cases(session, concept.versions[0])
    assert (failed.passed, failed.actual, failed.message) == (
        False, Decimal("0.70"), "expected 1, got 0.70")
    tests_svc.delete_test_case(session, AUTHOR, case)
    assert concept.test_cases == []
    assert actions(session)[-3:] == ["concept.test_case.create", "concept.test_case.update",
                                     "concept.test_case.delete"]


def test_test_case_refusals(session):
    concept = svc.create_concept(session, AUTHOR, cdata("SS", "gross * 0.07"))
    tests_svc.add_test_case(session, AUTHOR, concept, "one", {}, Decimal(0))
    assert refused(session, tests_svc.add_test_case, concept, "one",
                   {"bogus": "1", "gross": "x", "period.start": "2026-02-30"},
                   Decimal("-1")).problems == {
        "name": "concept SS already has a case one", "expected": "must not be negative",
        "inputs.bogus": "unknown name", "inputs.gross": "'x' is not a number",
        "inputs.period.start": "'2026-02-30' is not a date (YYYY-MM-DD)"}
    assert refused(session, tests_svc.add_test_case, concept, "", {}, Decimal(0)
                   ).problems == {"name": "1-100 characters"}


def test_failing_evaluation_is_a_failed_case(session, factory):
    concept = svc.create_concept(session, AUTHOR, cdata("SS", "100 / gross"))
    tests_svc.add_test_case(session, AUTHOR, concept, "zero", {}, Decimal(0))
    [result] = tests_svc.run_test_cases(session, concept.versions[0])
    assert not result.passed and result.actual is None
    assert result.message.startswith("formula: line 1, column 5: division by zero")


def test_scope_uses_latest_table_version(session, factory):
    factory.rate_table(code="RATES", kind=TableKind.FLAT, rows=[("0", None, "0.1", "0")])
    factory.rate_table(code="RATES", kind=TableKind.FLAT, effective_from=date(2027, 1, 1),
                       rows=[("0", None, "0.2", "0")])
    concept = svc.create_concept(session, AUTHOR, cdata("R", 'table("RATES", gross)'))
    amount, _ = tests_svc.evaluate_concept(session, concept.versions[0], {"gross": "100"})
    assert amount == Decimal("20.00")
