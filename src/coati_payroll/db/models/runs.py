"""Payroll runs, their per-employee results and lines.

States::

    draft ──▶ calculating ──▶ generated ──▶ approved ──▶ applied
                  │               │             │           │
                  ▼               ▼             ▼           ▼
                error ─────▶ (retry: calculating)       voided (reverses what apply did)
    voided is reachable from draft, generated, approved, error and applied.

The service layer enforces the transitions and writes an audit entry for each.

Reproducibility: ``snapshot`` holds everything the calculation read besides the employees (the
setup: currency and rounding, payroll type, the concept versions with their rules, table rows,
input and custom-field definitions, accumulators, exchange rates), so recalculation can reuse
it. Each :class:`RunEmployee` keeps the employee snapshot it was computed from.

Concurrency and idempotency:

* ``calculation_token`` — a calculation claims the run with a conditional
  ``UPDATE payroll_runs SET calculation_token=:t WHERE id=:id AND calculation_token IS NULL``;
  one row updated means it owns the run, zero means another calculation does.
* ``version_id`` — optimistic locking of the ORM (a stale update raises ``StaleDataError``).
* ``(run_id, employee_id)`` is unique in ``run_employees``: a background chunk written twice
  (a retried message) fails or is replaced, never duplicated.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coati_payroll.core.model import ConceptKind
from coati_payroll.core.results import PayslipStatus
from coati_payroll.db.base import Base, IdMixin, TimestampMixin, enum_type
from coati_payroll.db.types import Code, JSONDocument, Money, UTCDateTime

ZERO = Decimal(0)


class RunStatus(StrEnum):
    DRAFT = "draft"
    CALCULATING = "calculating"
    GENERATED = "generated"
    APPROVED = "approved"
    APPLIED = "applied"
    VOIDED = "voided"
    ERROR = "error"


class PayrollRun(IdMixin, TimestampMixin, Base):
    __tablename__ = "payroll_runs"
    __table_args__ = (
        sa.CheckConstraint("period_end >= period_start", name="period_order"),
        sa.CheckConstraint(
            "progress_total >= 0 AND progress_done >= 0 AND progress_failed >= 0",
            name="progress_non_negative",
        ),
        sa.Index("ix_payroll_runs_definition_id_period_start", "definition_id", "period_start"),
    )

    definition_id: Mapped[int] = mapped_column(sa.ForeignKey("payroll_definitions.id"))
    period_start: Mapped[date] = mapped_column(sa.Date())
    period_end: Mapped[date] = mapped_column(sa.Date())
    payment_date: Mapped[date | None] = mapped_column(sa.Date())
    status: Mapped[RunStatus] = mapped_column(enum_type(RunStatus, "status"),
                                              default=RunStatus.DRAFT, index=True)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument())
    calculated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    employees: Mapped[int] = mapped_column(sa.Integer(), default=0)
    computed: Mapped[int] = mapped_column(sa.Integer(), default=0)
    excluded: Mapped[int] = mapped_column(sa.Integer(), default=0)
    failed: Mapped[int] = mapped_column(sa.Integer(), default=0)
    gross: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total_deductions: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    net: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    employer_contributions: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    employer_cost: Mapped[Decimal] = mapped_column(Money(), default=ZERO)

    progress_total: Mapped[int] = mapped_column(sa.Integer(), default=0)
    progress_done: Mapped[int] = mapped_column(sa.Integer(), default=0)
    progress_failed: Mapped[int] = mapped_column(sa.Integer(), default=0)
    calculation_token: Mapped[str | None] = mapped_column(sa.String(64))

    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    applied_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str | None] = mapped_column(sa.Text())
    error_message: Mapped[str | None] = mapped_column(sa.Text())

    version_id: Mapped[int] = mapped_column(sa.Integer(), nullable=False)
    __mapper_args__ = {"version_id_col": version_id}

    results: Mapped[list[RunEmployee]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True,
    )


class RunEmployee(IdMixin, Base):
    """One employee's payslip in a run (the core's ``Payslip``): totals, notices (code and
    params), the failure when ``status`` is ``error``, year-to-date values and loan balances
    after the period, and the employee snapshot it was computed from."""

    __tablename__ = "run_employees"
    __table_args__ = (sa.UniqueConstraint("run_id", "employee_id"),)

    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payroll_runs.id", ondelete="CASCADE"), index=True
    )
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    status: Mapped[PayslipStatus] = mapped_column(enum_type(PayslipStatus, "status"))
    gross: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total_deductions: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    net: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    employer_contributions: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    employer_cost: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    notices: Mapped[list[Any] | None] = mapped_column(JSONDocument())
    failure: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument())
    ytd_after: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument())
    loan_balances: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument())
    employee_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument())

    run: Mapped[PayrollRun] = relationship(back_populates="results")
    lines: Mapped[list[RunLine]] = relationship(
        back_populates="run_employee", order_by="RunLine.position",
        cascade="all, delete-orphan", passive_deletes=True,
    )


class RunLine(IdMixin, Base):
    """One payslip line, in payslip order (``position``), with its trace. ``run_id`` repeats
    the run so that a run's lines load (and delete) with one indexed statement."""

    __tablename__ = "run_lines"
    __table_args__ = (sa.UniqueConstraint("run_employee_id", "position"),)

    run_employee_id: Mapped[int] = mapped_column(
        sa.ForeignKey("run_employees.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payroll_runs.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer())
    code: Mapped[str] = mapped_column(Code(40), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[ConceptKind] = mapped_column(enum_type(ConceptKind, "kind"))
    amount: Mapped[Decimal] = mapped_column(Money())
    loan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("loans.id"), index=True)
    trace: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument())

    run_employee: Mapped[RunEmployee] = relationship(back_populates="lines")
