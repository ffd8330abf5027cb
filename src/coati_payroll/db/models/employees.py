"""Employees, their effective-dated salary history and the installation's custom fields.

The salary is not a column of ``employees``: it lives in ``salary_changes``, one row per
effective date, and the salary in force on a day is the latest change on or before it (so a
raise can be entered ahead of time and a past period recalculates with the salary it had).
``custom_values`` maps custom-field codes to values stored as text (numbers as Decimal
strings, dates ISO, booleans ``true``/``false``); :class:`CustomFieldDefinition` gives each
code its type and default.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coati_payroll.core.model import FieldType, PayBasis
from coati_payroll.db.base import Base, IdMixin, TimestampMixin, enum_type
from coati_payroll.db.types import Code, JSONDocument, Money


class Employee(IdMixin, TimestampMixin, Base):
    __tablename__ = "employees"
    __table_args__ = (
        sa.UniqueConstraint("company_id", "code"),
        sa.CheckConstraint(
            "termination_date IS NULL OR termination_date >= hire_date",
            name="termination_after_hire",
        ),
    )

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    code: Mapped[str] = mapped_column(Code(40))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    national_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    hire_date: Mapped[date] = mapped_column(sa.Date())
    termination_date: Mapped[date | None] = mapped_column(sa.Date())
    position: Mapped[str | None] = mapped_column(sa.String(100))
    cost_center: Mapped[str | None] = mapped_column(sa.String(64))
    bank_name: Mapped[str | None] = mapped_column(sa.String(100))
    bank_account: Mapped[str | None] = mapped_column(sa.String(64))
    pay_basis: Mapped[PayBasis] = mapped_column(enum_type(PayBasis, "pay_basis"),
                                                default=PayBasis.MONTHLY)
    active: Mapped[bool] = mapped_column(sa.Boolean(), default=True)
    custom_values: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument())

    salary_changes: Mapped[list[SalaryChange]] = relationship(
        back_populates="employee", order_by="SalaryChange.effective_date",
        cascade="all, delete-orphan", passive_deletes=True,
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class SalaryChange(IdMixin, TimestampMixin, Base):
    """The salary (per ``pay_basis`` unit of the employee) in ``currency_code`` from
    ``effective_date`` on."""

    __tablename__ = "salary_changes"
    __table_args__ = (sa.UniqueConstraint("employee_id", "effective_date"),)

    employee_id: Mapped[int] = mapped_column(
        sa.ForeignKey("employees.id", ondelete="CASCADE"), index=True
    )
    effective_date: Mapped[date] = mapped_column(sa.Date())
    salary: Mapped[Decimal] = mapped_column(Money())
    currency_code: Mapped[str] = mapped_column(Code(10), sa.ForeignKey("currencies.code"),
                                               index=True)
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)

    employee: Mapped[Employee] = relationship(back_populates="salary_changes")


class CustomFieldDefinition(IdMixin, TimestampMixin, Base):
    """A custom employee field; ``default_value`` (text, parsed by ``type``) None means every
    employee must have a value."""

    __tablename__ = "custom_field_definitions"

    code: Mapped[str] = mapped_column(Code(40), unique=True)
    label: Mapped[str] = mapped_column(sa.String(100))
    type: Mapped[FieldType] = mapped_column(enum_type(FieldType, "field_type"))
    default_value: Mapped[str | None] = mapped_column(sa.Text())
    position: Mapped[int] = mapped_column(sa.Integer(), default=0)
    active: Mapped[bool] = mapped_column(sa.Boolean(), default=True)
