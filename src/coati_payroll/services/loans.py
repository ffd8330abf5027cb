"""Loans and salary advances repaid through a loan deduction concept
(docs/concepts-and-loans.md).

Rules:

* ``principal > 0`` (rounded to the currency's minor unit), ``1 <= installments <= 1200``,
  ``0 <= annual_rate <= 1`` as a **fraction** (0.12 is 12 % a year; a value above 1 is taken
  for a percentage typed by mistake and refused). The concept must be an active deduction
  whose current version repays loans (``loan: true``); the employee must be active and the
  start date on or after the hire date.
* The installment is the first installment of the schedule
  (:func:`~coati_payroll.core.amortization.amortization_schedule`, ``periods_per_year``
  payroll periods a year, 12 by default). The **balance is everything still owed**: the
  principal, plus for ``flat`` and ``french`` the schedule's total interest (charged up front
  by an ``interest`` movement after the ``disbursement``). So the engine's rule "a loan
  deduction never exceeds the balance and the balance falls by what was deducted" settles the
  loan exactly after the scheduled installments, with no interest to add per period.
* An extra payment (``0 < amount <= balance``) reduces the balance; scheduled interest is not
  rebated (forgive part of the balance to rebate it). ``reduce="count"`` keeps the
  installment (fewer installments remain); ``reduce="amount"`` keeps the number of
  installments left and lowers the installment (rounded up to the minor unit, so that they
  cover the balance). A loan whose balance reaches 0 is ``paid``.
* Forgiveness takes the whole balance (``amount=None``) or part of it; at 0 the loan is
  ``forgiven``.
* Cancellation is for loans entered in error: refused once anything was repaid (forgive
  instead); the balance goes to 0 with a ``reversal`` movement and the status to
  ``cancelled``.

Every change is a :class:`~coati_payroll.db.models.LoanMovement` (``balance_after`` set) and
an audit entry, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Any, Final, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core import amortization
from coati_payroll.core.amortization import ScheduleError, ScheduleRow
from coati_payroll.core.model import ConceptKind
from coati_payroll.core.money import RoundingPolicy
from coati_payroll.db.models import (
    Concept,
    ConceptStatus,
    Currency,
    Employee,
    InterestMethod,
    Loan,
    LoanKind,
    LoanMovement,
    LoanStatus,
    MovementKind,
)
from coati_payroll.db.types import Rate
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.employees import money_problem
from coati_payroll.services.errors import InvalidInput, InvalidState

ZERO: Final = Decimal(0)
_RATE: Final = Rate()
_REPAID: Final = frozenset({MovementKind.PAYMENT, MovementKind.EXTRA_PAYMENT})


@dataclass(frozen=True, slots=True)
class LoanData:
    employee_id: int
    concept_code: str
    principal: Decimal
    installments: int
    start_date: date
    kind: LoanKind | str = LoanKind.LOAN
    interest_method: InterestMethod | str = InterestMethod.NONE
    annual_rate: Decimal = ZERO
    currency_code: str | None = None
    periods_per_year: int = 12
    note: str | None = None


def _rounding(session: Session, currency_code: str | None) -> RoundingPolicy:
    if currency_code is None:
        return RoundingPolicy()
    currency = session.scalar(sa.select(Currency).where(Currency.code == currency_code))
    if currency is None:
        return RoundingPolicy()
    return RoundingPolicy(currency.minor_unit, currency.rounding_mode)


def snapshot(loan: Loan) -> dict[str, Any]:
    return {name: getattr(loan, name) for name in (
        "employee_id", "concept_code", "kind", "currency_code", "principal", "interest_method",
        "annual_rate", "installments", "installment", "start_date", "balance", "status")}


def _concept_problem(session: Session, code: str) -> str | None:
    concept = session.scalar(sa.select(Concept).where(Concept.code == code))
    if concept is None:
        return f"no concept {code}"
    current = [v for v in concept.versions if v.status is not ConceptStatus.RETIRED]
    if not concept.active or concept.kind is not ConceptKind.DEDUCTION or not any(
            v.loan for v in current[-1:]):
        return f"{code} is not an active loan deduction"
    return None


def _choice(problems: dict[str, str], name: str, enum: type[LoanKind] | type[InterestMethod],
            value: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        problems[name] = "one of " + ", ".join(m.value for m in enum)
        return None


def create_loan(session: Session, actor: Actor, data: LoanData) -> Loan:
    """A new active loan or advance with its disbursement (and up-front interest) movements."""
    problems: dict[str, str] = {}
    employee = session.get(Employee, data.employee_id)
    if employee is None or not employee.active:
        problems["employee_id"] = "no active employee with this id"
    elif data.start_date < employee.hire_date:
        problems["start_date"] = f"before the hire date {employee.hire_date}"
    if problem := _concept_problem(session, data.concept_code):
        problems["concept_code"] = problem
    if problem := money_problem(data.principal, positive=True):
        problems["principal"] = problem
    if isinstance(data.installments, bool) or not isinstance(data.installments, int) or not (
            1 <= data.installments <= amortization.MAX_INSTALLMENTS):
        problems["installments"] = f"a whole number from 1 to {amortization.MAX_INSTALLMENTS}"
    try:
        rate = _RATE.coerce(data.annual_rate)
        if not 0 <= rate <= 1:
            problems["annual_rate"] = "a fraction from 0 to 1 (0.12 is 12 % a year)"
    except (TypeError, ValueError) as error:
        problems["annual_rate"] = str(error)
    kind = _choice(problems, "kind", LoanKind, data.kind)
    method = _choice(problems, "interest_method", InterestMethod, data.interest_method)
    if method is InterestMethod.NONE and "annual_rate" not in problems and data.annual_rate:
        problems["annual_rate"] = "must be 0 when the interest method is none"
    if data.currency_code is not None and session.scalar(sa.select(Currency.id).where(
            Currency.code == data.currency_code)) is None:
        problems["currency_code"] = f"no currency {data.currency_code}"
    if not 1 <= data.periods_per_year <= 366:
        problems["periods_per_year"] = "1 to 366"
    rows: tuple[ScheduleRow, ...] = ()
    if not problems:
        try:
            rows = amortization.amortization_schedule(
                data.principal, data.installments, method.value, data.annual_rate,
                periods_per_year=data.periods_per_year,
                rounding=_rounding(session, data.currency_code))
        except ScheduleError as error:
            problems["principal"] = str(error)
    if problems:
        raise InvalidInput("the loan cannot be saved", problems)
    total = amortization.total_due(rows)
    loan = Loan(employee_id=data.employee_id, concept_code=data.concept_code, kind=kind,
                currency_code=data.currency_code, principal=data.principal,
                interest_method=method, annual_rate=data.annual_rate,
                installments=data.installments, installment=rows[0].installment,
                start_date=data.start_date, balance=total, status=LoanStatus.ACTIVE,
                note=data.note, created_by_id=actor.user_id)
    session.add(loan)
    session.flush()
    _movement(session, actor, loan, MovementKind.DISBURSEMENT, data.principal,
              data.principal, data.start_date, None)
    if total != data.principal:
        _movement(session, actor, loan, MovementKind.INTEREST, total - data.principal, total,
                  data.start_date, f"{method.value} interest for the whole schedule")
    audit.record(session, actor, "loan.create", "loan", loan.id, {}, snapshot(loan))
    return loan


def _movement(session: Session, actor: Actor, loan: Loan, kind: MovementKind,
              amount: Decimal, balance_after: Decimal, day: date,
              note: str | None) -> LoanMovement:
    movement = LoanMovement(loan_id=loan.id, movement_date=day, kind=kind, amount=amount,
                            balance_after=balance_after, note=note,
                            created_by_id=actor.user_id)
    session.add(movement)
    session.flush()
    session.refresh(loan, ["movements"])
    return movement


def schedule(session: Session, loan: Loan, periods_per_year: int = 12
             ) -> tuple[ScheduleRow, ...]:
    """The loan's original repayment schedule (from its terms, not its payments)."""
    return amortization.amortization_schedule(
        loan.principal, loan.installments, loan.interest_method.value, loan.annual_rate,
        periods_per_year=periods_per_year, rounding=_rounding(session, loan.currency_code))


def _amount_problems(session: Session, loan: Loan, amount: Decimal,
                     day: date) -> dict[str, str]:
    problems: dict[str, str] = {}
    if loan.status is not LoanStatus.ACTIVE:
        raise InvalidState(f"loan {loan.id} is {loan.status.value}")
    if problem := money_problem(amount, positive=True):
        problems["amount"] = problem
    elif amount > loan.balance:
        shown = _rounding(session, loan.currency_code).round(loan.balance)
        problems["amount"] = f"more than the balance {shown}"
    if day < loan.start_date:
        problems["date"] = f"before the loan's start date {loan.start_date}"
    return problems


def extra_payment(session: Session, actor: Actor, loan: Loan, amount: Decimal, day: date,
                  reduce: Literal["count", "amount"] = "count",
                  note: str | None = None) -> LoanMovement:
    """Pay ``amount`` outside payroll (see the module docstring for ``reduce``)."""
    problems = _amount_problems(session, loan, amount, day)
    if reduce not in ("count", "amount"):
        problems["reduce"] = "count or amount"
    if problems:
        raise InvalidInput("the payment cannot be recorded", problems)
    before = snapshot(loan)
    minor = _rounding(session, loan.currency_code).minor_unit
    # Installments still due; the schedule's last installment may differ from the others by
    # up to one minor unit per installment (rounding), which must not count as one more.
    drift = minor * loan.installments
    remaining = max(((loan.balance - drift) / loan.installment).to_integral_value(
        ROUND_CEILING), Decimal(1))
    loan.balance -= amount
    if loan.balance == 0:
        loan.status = LoanStatus.PAID
    elif reduce == "amount":
        up = RoundingPolicy(minor, "UP")
        loan.installment = min(up.round(loan.balance / remaining), loan.balance)
    movement = _movement(session, actor, loan, MovementKind.EXTRA_PAYMENT, amount,
                         loan.balance, day, note)
    audit.record(session, actor, "loan.extra_payment", "loan", loan.id, before,
                 snapshot(loan) | {"amount": amount, "reduce": reduce})
    return movement


def forgive(session: Session, actor: Actor, loan: Loan, day: date,
            amount: Decimal | None = None, note: str | None = None) -> LoanMovement:
    """Forgive ``amount`` of the balance (all of it when None)."""
    value = loan.balance if amount is None else amount
    problems = _amount_problems(session, loan, value, day)
    if problems:
        raise InvalidInput("the forgiveness cannot be recorded", problems)
    before = snapshot(loan)
    loan.balance -= value
    if loan.balance == 0:
        loan.status = LoanStatus.FORGIVEN
    movement = _movement(session, actor, loan, MovementKind.FORGIVENESS, value, loan.balance,
                         day, note)
    audit.record(session, actor, "loan.forgive", "loan", loan.id, before,
                 snapshot(loan) | {"amount": value})
    return movement


def cancel_loan(session: Session, actor: Actor, loan: Loan, day: date,
                reason: str = "") -> Loan:
    """Cancel a loan entered in error (nothing repaid yet)."""
    if loan.status is not LoanStatus.ACTIVE:
        raise InvalidState(f"loan {loan.id} is {loan.status.value}")
    if any(m.kind in _REPAID for m in loan.movements):
        raise InvalidState(f"loan {loan.id} has repayments; forgive the balance instead")
    before = snapshot(loan)
    reversed_amount = loan.balance
    loan.balance = ZERO
    loan.status = LoanStatus.CANCELLED
    _movement(session, actor, loan, MovementKind.REVERSAL, reversed_amount, ZERO, day,
              f"cancelled: {reason}" if reason else "cancelled")
    audit.record(session, actor, "loan.cancel", "loan", loan.id, before,
                 snapshot(loan) | {"reason": reason})
    return loan


def balance_history(loan: Loan) -> list[LoanMovement]:
    """The loan's movements in the order they happened (each with ``balance_after``)."""
    return sorted(loan.movements, key=lambda m: m.id)


def list_loans(session: Session, employee_id: int, *, active_only: bool = False) -> list[Loan]:
    query = sa.select(Loan).where(Loan.employee_id == employee_id).order_by(Loan.id)
    if active_only:
        query = query.where(Loan.status == LoanStatus.ACTIVE)
    return list(session.scalars(query))
