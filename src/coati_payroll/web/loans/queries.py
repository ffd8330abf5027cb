"""Reads for the loan pages: the paginated list, select options, an employee by code, and the
rounding of a currency (for the schedule preview)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.model import ConceptKind
from coati_payroll.core.money import RoundingPolicy
from coati_payroll.db import models as m


@dataclass(frozen=True, slots=True)
class LoanRow:
    id: int
    employee_code: str
    employee_name: str
    concept_code: str
    kind: str
    currency_code: str | None
    principal: Decimal
    installment: Decimal
    balance: Decimal
    start_date: date
    status: str


def list_loans(session: Session, *, status: str | None, employee: str, page: int,
               per_page: int) -> tuple[list[LoanRow], int]:
    """Loans with their employee (2 queries: count, page), newest first."""
    loan, person = m.Loan, m.Employee
    conditions: list[Any] = []
    if status in {s.value for s in m.LoanStatus}:
        conditions.append(loan.status == status)
    term = employee.strip().lower()
    if term:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(sa.or_(
            sa.func.lower(person.code).like(pattern, escape="\\"),
            sa.func.lower(person.first_name + " " + person.last_name).like(pattern,
                                                                           escape="\\")))
    joined = sa.select(loan.id).join(person, person.id == loan.employee_id).where(*conditions)
    total = session.execute(sa.select(sa.func.count()).select_from(joined.subquery())
                            ).scalar_one()
    rows = session.execute(
        sa.select(loan.id, person.code, person.first_name, person.last_name, loan.concept_code,
                  loan.kind, loan.currency_code, loan.principal, loan.installment, loan.balance,
                  loan.start_date, loan.status)
        .join(person, person.id == loan.employee_id).where(*conditions)
        .order_by(loan.id.desc()).limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return [LoanRow(r[0], r[1], f"{r[2]} {r[3]}".strip(), r[4], str(r[5]), r[6],
                    r[7].quantize(Decimal("0.01")), r[8].quantize(Decimal("0.01")),
                    r[9].quantize(Decimal("0.01")), r[10], str(r[11])) for r in rows], total


def choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """Companies, loan deduction concepts and currencies for the selects (3 queries)."""
    version = m.ConceptVersion
    loan_concepts = sa.select(version.concept_id).where(
        version.loan.is_(True), version.status != m.ConceptStatus.RETIRED)
    return {
        "company": [(code, f"{name} ({code})") for code, name in session.execute(
            sa.select(m.Company.code, m.Company.name).order_by(m.Company.name))],
        "concept": [(code, f"{name} ({code})") for code, name in session.execute(
            sa.select(m.Concept.code, m.Concept.name)
            .where(m.Concept.active.is_(True), m.Concept.kind == ConceptKind.DEDUCTION,
                   m.Concept.id.in_(loan_concepts)).order_by(m.Concept.code))],
        "currency": [(code, code) for (code,) in session.execute(
            sa.select(m.Currency.code).where(m.Currency.active.is_(True))
            .order_by(m.Currency.code))],
    }


def employee_id(session: Session, company_code: str | None, code: str) -> int | None:
    return session.execute(
        sa.select(m.Employee.id).join(m.Company, m.Company.id == m.Employee.company_id)
        .where(m.Company.code == (company_code or ""), m.Employee.code == code.strip())
    ).scalar_one_or_none()


def rounding(session: Session, currency_code: str | None) -> RoundingPolicy:
    if currency_code:
        currency = session.scalar(sa.select(m.Currency).where(m.Currency.code == currency_code))
        if currency is not None:
            return RoundingPolicy(currency.minor_unit, currency.rounding_mode)
    return RoundingPolicy()


def _l(text: str) -> str:  # marks the texts below for extraction; translated when shown
    return text


#: Fixed texts of the loan services' errors (looked up by ``errors.translate``).
SERVICE_TEXTS = (
    _l("the loan cannot be saved"),
    _l("the payment cannot be recorded"),
    _l("the forgiveness cannot be recorded"),
    _l("no active employee with this id"),
    _l("must be 0 when the interest method is none"),
    _l("a fraction from 0 to 1 (0.12 is 12 % a year)"),
)
