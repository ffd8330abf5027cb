"""Loan services: creation with schedules, extra payments, forgiveness, cancellation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.model import ConceptKind
from coati_payroll.db.models import (
    AuditEntry,
    InterestMethod,
    Loan,
    LoanKind,
    LoanMovement,
    LoanStatus,
    MovementKind,
)
from coati_payroll.services import loans as svc
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState

ACTOR = Actor("tester")
START = date(2026, 1, 1)


def count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def refused(session: Session, call, *args, **kw) -> dict[str, str]:
    models = (Loan, LoanMovement, AuditEntry)
    before = [count(session, m) for m in models]
    with pytest.raises(InvalidInput) as caught:
        call(session, ACTOR, *args, **kw)
    assert not session.new
    assert [count(session, m) for m in models] == before
    return caught.value.problems


@pytest.fixture
def setup(factory):
    employee = factory.employee(hire_date=date(2025, 1, 1))
    concept = factory.concept(code="LOAN", formula="loan.installment", loan=True)
    return employee, concept


def data(employee, **kw) -> svc.LoanData:
    values = {"employee_id": employee.id, "concept_code": "LOAN", "principal": D("3000.00"),
              "installments": 10, "start_date": START}
    return svc.LoanData(**(values | kw))


def history(loan):
    return [(m.kind, m.amount, m.balance_after) for m in svc.balance_history(loan)]


def test_loan_without_interest(session, setup):
    employee, _ = setup
    loan = svc.create_loan(session, ACTOR, data(employee, principal=D("1000.00"),
                                                installments=3, kind="advance"))
    assert (loan.kind, loan.installment, loan.balance, loan.status) == (
        LoanKind.ADVANCE, D("333.33"), D("1000.00"), LoanStatus.ACTIVE)
    assert history(loan) == [(MovementKind.DISBURSEMENT, D("1000.00"), D("1000.00"))]
    assert [r.installment for r in svc.schedule(session, loan)] == [
        D("333.33"), D("333.33"), D("333.34")]
    entry = session.scalars(sa.select(AuditEntry)).one()
    assert entry.action == "loan.create" and D(entry.after["balance"]) == 1000


def test_french_loan_balance_includes_scheduled_interest(session, setup):
    employee, _ = setup
    loan = svc.create_loan(session, ACTOR, data(
        employee, principal=D("10000.00"), installments=12, interest_method="french",
        annual_rate=D("0.12")))
    assert (loan.installment, loan.balance) == (D("888.49"), D("10661.86"))
    assert history(loan) == [(MovementKind.DISBURSEMENT, D("10000.00"), D("10000.00")),
                             (MovementKind.INTEREST, D("661.86"), D("10661.86"))]
    rows = svc.schedule(session, loan)
    assert rows[-1].installment == D("888.47") and rows[-1].balance == 0


def test_flat_loan(session, setup):
    employee, _ = setup
    loan = svc.create_loan(session, ACTOR, data(
        employee, principal=D("12000.00"), installments=24, interest_method=InterestMethod.FLAT,
        annual_rate=D("0.12")))
    assert (loan.installment, loan.balance) == (D("620.00"), D("14880.00"))


def test_loan_in_a_currency_without_cents(session, factory, setup):
    employee, _ = setup
    factory.currency(code="JPY", minor_unit=D(1))
    loan = svc.create_loan(session, ACTOR, data(employee, principal=D("100000"),
                                                installments=3, currency_code="JPY"))
    assert loan.installment == D("33333")
    assert refused(session, svc.create_loan, data(employee, principal=D("100.50"),
                                                  currency_code="JPY")) == {
        "principal": "the principal 100.50 is not a multiple of the minor unit 1.00000000000000"}


def test_create_loan_refusals(session, factory, setup):
    employee, _ = setup
    factory.concept(code="TAX", formula="gross * 0.1")
    factory.concept(code="BONUS", formula="1", kind=ConceptKind.EARNING)
    assert refused(session, svc.create_loan, data(
        employee, employee_id=999_999, concept_code="NOPE", principal=D("0"), installments=0,
        annual_rate=D("12"), kind="gift", interest_method="german", currency_code="XXX",
        periods_per_year=0)) == {
        "employee_id": "no active employee with this id", "concept_code": "no concept NOPE",
        "principal": "must be greater than 0", "installments": "a whole number from 1 to 1200",
        "annual_rate": "a fraction from 0 to 1 (0.12 is 12 % a year)",
        "kind": "one of loan, advance", "interest_method": "one of none, flat, french",
        "currency_code": "no currency XXX", "periods_per_year": "1 to 366"}
    assert refused(session, svc.create_loan, data(employee, concept_code="TAX",
                                                  start_date=date(2024, 1, 1))) == {
        "concept_code": "TAX is not an active loan deduction",
        "start_date": "before the hire date 2025-01-01"}
    assert refused(session, svc.create_loan, data(employee, concept_code="BONUS")) == {
        "concept_code": "BONUS is not an active loan deduction"}
    assert refused(session, svc.create_loan, data(employee, annual_rate=D("0.05"))) == {
        "annual_rate": "must be 0 when the interest method is none"}
    assert refused(session, svc.create_loan, data(employee, principal=1.5)) == {
        "principal": "1.5 is not an exact decimal amount"}
    assert refused(session, svc.create_loan, data(employee, principal=D("0.02"),
                                                  installments=3)) == {
        "principal": "0.02 is too small to split into 3 installments"}
    employee.active = False
    assert refused(session, svc.create_loan, data(employee)) == {
        "employee_id": "no active employee with this id"}


def test_extra_payment_reduces_count(session, setup):
    employee, _ = setup
    loan = svc.create_loan(session, ACTOR, data(employee))  # 3000 in 10 × 300
    svc.extra_payment(session, ACTOR, loan, D("1000.00"), date(2026, 3, 1), note="bonus")
    assert (loan.balance, loan.installment, loan.status) == (D("2000.00"), D("300.00"),
                                                             LoanStatus.ACTIVE)
    assert history(loan)[-1] == (MovementKind.EXTRA_PAYMENT, D("1000.00"), D("2000.00"))
    svc.extra_payment(session, ACTOR, loan, D("2000.00"), date(2026, 4, 1))
    assert (loan.balance, loan.status) == (D("0.00"), LoanStatus.PAID)
    with pytest.raises(InvalidState, match="is paid"):
        svc.extra_payment(session, ACTOR, loan, D("1"), date(2026, 4, 1))


def test_extra_payment_reduces_amount(session, setup):
    employee, _ = setup
    loan = svc.create_loan(session, ACTOR, data(employee, principal=D("1000.00"),
                                                installments=3))
    svc.extra_payment(session, ACTOR, loan, D("500.00"), date(2026, 2, 1), reduce="amount")
    # 500 left over the 3 installments still due: 166.666… rounded up to 166.67
    assert (loan.balance, loan.installment) == (D("500.00"), D("166.67"))
    actions = list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["loan.create", "loan.extra_payment"]


def test_extra_payment_refusals(session, setup):
    employee, _ = setup
    loan = svc.create_loan(session, ACTOR, data(employee))
    assert refused(session, svc.extra_payment, loan, D("3000.01"), date(2025, 12, 31),
                   reduce="both") == {"amount": "more than the balance 3000.00",
                                      "date": "before the loan's start date 2026-01-01",
                                      "reduce": "count or amount"}
    assert refused(session, svc.extra_payment, loan, D("0"), START) == {
        "amount": "must be greater than 0"}


def test_forgiveness(session, setup):
    employee, _ = setup
    loan = svc.create_loan(session, ACTOR, data(employee))
    svc.forgive(session, ACTOR, loan, date(2026, 2, 1), D("500.00"), "hardship")
    assert (loan.balance, loan.status) == (D("2500.00"), LoanStatus.ACTIVE)
    svc.forgive(session, ACTOR, loan, date(2026, 3, 1))
    assert (loan.balance, loan.status) == (D("0.00"), LoanStatus.FORGIVEN)
    assert history(loan)[1:] == [(MovementKind.FORGIVENESS, D("500.00"), D("2500.00")),
                                 (MovementKind.FORGIVENESS, D("2500.00"), D("0.00"))]
    with pytest.raises(InvalidState, match="is forgiven"):
        svc.forgive(session, ACTOR, loan, date(2026, 3, 1))


def test_forgiveness_refusals(session, setup):
    employee, _ = setup
    loan = svc.create_loan(session, ACTOR, data(employee))
    assert refused(session, svc.forgive, loan, START, D("-1")) == {
        "amount": "must be greater than 0"}


def test_cancel(session, factory, setup):
    employee, _ = setup
    loan = svc.create_loan(session, ACTOR, data(employee))
    svc.cancel_loan(session, ACTOR, loan, START, "typo")
    assert (loan.balance, loan.status) == (D("0.00"), LoanStatus.CANCELLED)
    assert history(loan)[-1] == (MovementKind.REVERSAL, D("3000.00"), D("0.00"))
    with pytest.raises(InvalidState):
        svc.cancel_loan(session, ACTOR, loan, START)
    paid = svc.create_loan(session, ACTOR, data(employee))
    svc.extra_payment(session, ACTOR, paid, D("100.00"), START)
    with pytest.raises(InvalidState, match="forgive the balance instead"):
        svc.cancel_loan(session, ACTOR, paid, START)
    assert svc.list_loans(session, employee.id) == [loan, paid]
    assert svc.list_loans(session, employee.id, active_only=True) == [paid]
