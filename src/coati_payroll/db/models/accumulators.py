"""Year-to-date balances: one row per employee, accumulator and fiscal year (the calendar
year in which that fiscal year starts, by the payroll type's ``fiscal_year_start_month``).
Updated only when a run is applied (adding each payslip's ``ytd_after`` delta) and reversed
when an applied run is voided."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coati_payroll.db.base import Base, IdMixin, TimestampMixin
from coati_payroll.db.types import Code, Money


class YtdBalance(IdMixin, TimestampMixin, Base):
    __tablename__ = "ytd_balances"
    __table_args__ = (sa.UniqueConstraint("employee_id", "accumulator_code", "fiscal_year"),)

    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    accumulator_code: Mapped[str] = mapped_column(
        Code(40), sa.ForeignKey("accumulator_definitions.code"), index=True
    )
    fiscal_year: Mapped[int] = mapped_column(sa.Integer())
    amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
