"""Loans and advances repaid through a loan deduction concept, and their balance history.

``balance`` is the outstanding amount now; every change of it is a :class:`LoanMovement` row
whose ``balance_after`` is the balance after it (disbursement, payment by payroll, extra
payment, forgiveness, interest charged, reversal of a voided run's payment). Interest:
``none``; ``flat`` (interest = principal × annual_rate × years, spread evenly over the
installments); ``french`` (constant installment amortization schedule, computed by the loan
service from principal, annual rate and installments). An applied run writes one ``payment``
per loan line with ``run_id`` set; voiding the run writes a ``reversal``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coati_payroll.db.base import Base, IdMixin, TimestampMixin, enum_type
from coati_payroll.db.types import Code, Money, Rate


class LoanKind(StrEnum):
    LOAN = "loan"
    ADVANCE = "advance"


class InterestMethod(StrEnum):
    NONE = "none"
    FLAT = "flat"
    FRENCH = "french"


class LoanStatus(StrEnum):
    ACTIVE = "active"
    PAID = "paid"
    FORGIVEN = "forgiven"
    CANCELLED = "cancelled"


class MovementKind(StrEnum):
    DISBURSEMENT = "disbursement"
    PAYMENT = "payment"
    EXTRA_PAYMENT = "extra_payment"
    FORGIVENESS = "forgiveness"
    INTEREST = "interest"
    REVERSAL = "reversal"


class Loan(IdMixin, TimestampMixin, Base):
    __tablename__ = "loans"
    __table_args__ = (
        sa.CheckConstraint("installments >= 1", name="installments_positive"),
        sa.Index("ix_loans_employee_id_status", "employee_id", "status"),
    )

    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    concept_code: Mapped[str] = mapped_column(Code(40), sa.ForeignKey("concepts.code"),
                                              index=True)
    kind: Mapped[LoanKind] = mapped_column(enum_type(LoanKind, "kind"), default=LoanKind.LOAN)
    currency_code: Mapped[str | None] = mapped_column(Code(10), sa.ForeignKey("currencies.code"),
                                                      index=True)
    principal: Mapped[Decimal] = mapped_column(Money())
    interest_method: Mapped[InterestMethod] = mapped_column(
        enum_type(InterestMethod, "interest_method"), default=InterestMethod.NONE
    )
    annual_rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal(0))
    installments: Mapped[int] = mapped_column(sa.Integer())
    installment: Mapped[Decimal] = mapped_column(Money())
    start_date: Mapped[date] = mapped_column(sa.Date())
    balance: Mapped[Decimal] = mapped_column(Money())
    status: Mapped[LoanStatus] = mapped_column(enum_type(LoanStatus, "status"),
                                               default=LoanStatus.ACTIVE)
    note: Mapped[str | None] = mapped_column(sa.Text())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)

    movements: Mapped[list[LoanMovement]] = relationship(
        back_populates="loan", order_by="LoanMovement.id",
        cascade="all, delete-orphan", passive_deletes=True,
    )


class LoanMovement(IdMixin, TimestampMixin, Base):
    __tablename__ = "loan_movements"

    loan_id: Mapped[int] = mapped_column(sa.ForeignKey("loans.id", ondelete="CASCADE"),
                                         index=True)
    movement_date: Mapped[date] = mapped_column(sa.Date())
    kind: Mapped[MovementKind] = mapped_column(enum_type(MovementKind, "kind"))
    amount: Mapped[Decimal] = mapped_column(Money())
    balance_after: Mapped[Decimal] = mapped_column(Money())
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payroll_runs.id"), index=True)
    note: Mapped[str | None] = mapped_column(sa.Text())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)

    loan: Mapped[Loan] = relationship(back_populates="movements")
