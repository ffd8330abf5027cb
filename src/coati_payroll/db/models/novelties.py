"""Novelties: per-period input values (overtime hours, absence days …) for one employee.

A novelty is ``pending`` until the run that used it is applied, which marks it ``executed``
and records ``run_id``; voiding that run sets it back to ``pending``. ``definition_id``
restricts it to one payroll definition (NULL: any payroll of the employee whose period
contains ``effective_date``). Several pending novelties of one input in one period add up.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coati_payroll.db.base import Base, IdMixin, TimestampMixin, enum_type
from coati_payroll.db.types import Code, Rate


class NoveltyStatus(StrEnum):
    PENDING = "pending"
    EXECUTED = "executed"
    CANCELLED = "cancelled"


class Novelty(IdMixin, TimestampMixin, Base):
    __tablename__ = "novelties"
    __table_args__ = (
        # How a run loads its inputs: this employee set, pending, dated within the period.
        sa.Index("ix_novelties_employee_id_status_effective_date",
                 "employee_id", "status", "effective_date"),
    )

    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    definition_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("payroll_definitions.id"), index=True
    )
    input_code: Mapped[str] = mapped_column(Code(40), sa.ForeignKey("input_definitions.code"),
                                            index=True)
    value: Mapped[Decimal] = mapped_column(Rate())
    effective_date: Mapped[date] = mapped_column(sa.Date())
    status: Mapped[NoveltyStatus] = mapped_column(enum_type(NoveltyStatus, "status"),
                                                  default=NoveltyStatus.PENDING)
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payroll_runs.id"), index=True)
    note: Mapped[str | None] = mapped_column(sa.Text())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
