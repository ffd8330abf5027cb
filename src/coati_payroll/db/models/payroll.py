"""Payroll types, input and accumulator definitions, and payroll definitions.

* :class:`PayrollType` — the rules of one kind of payroll; its columns are the fields of
  :class:`coati_payroll.core.model.PayrollType` (NULL means "the periodicity's default").
* :class:`InputDefinition` — a per-period input (novelty) such as overtime hours.
* :class:`AccumulatorDefinition` — a year-to-date accumulator and the formula adding to it.
* :class:`PayrollDefinition` — a company's payroll: its type, currency, employees and
  concepts (with an optional priority override per concept). Cloning a definition copies
  its header and concept links (a service operation).
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coati_payroll.core.model import Periodicity, ProrationBasis, SalaryConversion
from coati_payroll.db.base import Base, IdMixin, TimestampMixin, enum_type
from coati_payroll.db.types import Code, Rate


class PayrollType(IdMixin, TimestampMixin, Base):
    __tablename__ = "payroll_types"
    __table_args__ = (
        sa.CheckConstraint(
            "fiscal_year_start_month BETWEEN 1 AND 12", name="fiscal_year_start_month"
        ),
        sa.CheckConstraint(
            "periods_per_year IS NULL OR periods_per_year > 0", name="periods_per_year"
        ),
    )

    code: Mapped[str] = mapped_column(Code(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    periodicity: Mapped[Periodicity] = mapped_column(enum_type(Periodicity, "periodicity"))
    conversion: Mapped[SalaryConversion | None] = mapped_column(
        enum_type(SalaryConversion, "conversion")
    )
    divisor: Mapped[Decimal | None] = mapped_column(Rate())
    periods_per_year: Mapped[int | None] = mapped_column(sa.Integer())
    proration: Mapped[ProrationBasis] = mapped_column(
        enum_type(ProrationBasis, "proration"), default=ProrationBasis.CALENDAR_DAYS
    )
    days_per_month: Mapped[Decimal] = mapped_column(Rate(), default=Decimal(30))
    hours_per_day: Mapped[Decimal] = mapped_column(Rate(), default=Decimal(8))
    fiscal_year_start_month: Mapped[int] = mapped_column(sa.Integer(), default=1)
    absence_days_input: Mapped[str | None] = mapped_column(Code(40))
    absence_hours_input: Mapped[str | None] = mapped_column(Code(40))
    hours_worked_input: Mapped[str | None] = mapped_column(Code(40))
    days_worked_input: Mapped[str | None] = mapped_column(Code(40))
    active: Mapped[bool] = mapped_column(sa.Boolean(), default=True)


class InputDefinition(IdMixin, TimestampMixin, Base):
    __tablename__ = "input_definitions"

    code: Mapped[str] = mapped_column(Code(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    default: Mapped[Decimal] = mapped_column(Rate(), default=Decimal(0))
    active: Mapped[bool] = mapped_column(sa.Boolean(), default=True)


class AccumulatorDefinition(IdMixin, TimestampMixin, Base):
    """``amount`` is the formula whose value is added each period (e.g. ``gross``)."""

    __tablename__ = "accumulator_definitions"

    code: Mapped[str] = mapped_column(Code(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    amount: Mapped[str] = mapped_column(sa.Text())
    active: Mapped[bool] = mapped_column(sa.Boolean(), default=True)


class PayrollDefinition(IdMixin, TimestampMixin, Base):
    __tablename__ = "payroll_definitions"
    __table_args__ = (sa.UniqueConstraint("company_id", "code"),)

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    code: Mapped[str] = mapped_column(Code(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    payroll_type_id: Mapped[int] = mapped_column(sa.ForeignKey("payroll_types.id"), index=True)
    currency_code: Mapped[str] = mapped_column(Code(10), sa.ForeignKey("currencies.code"),
                                               index=True)
    active: Mapped[bool] = mapped_column(sa.Boolean(), default=True)

    payroll_type: Mapped[PayrollType] = relationship()
    employees: Mapped[list[DefinitionEmployee]] = relationship(
        back_populates="definition", cascade="all, delete-orphan", passive_deletes=True,
    )
    concepts: Mapped[list[DefinitionConcept]] = relationship(
        back_populates="definition", cascade="all, delete-orphan", passive_deletes=True,
    )


class DefinitionEmployee(IdMixin, Base):
    """An employee paid by a payroll definition (same company: checked by the service)."""

    __tablename__ = "definition_employees"
    __table_args__ = (sa.UniqueConstraint("definition_id", "employee_id"),)

    definition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payroll_definitions.id", ondelete="CASCADE"), index=True
    )
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)

    definition: Mapped[PayrollDefinition] = relationship(back_populates="employees")


class DefinitionConcept(IdMixin, Base):
    """A concept computed by a payroll definition; ``priority_override`` replaces the
    version's priority for this payroll when set."""

    __tablename__ = "definition_concepts"
    __table_args__ = (sa.UniqueConstraint("definition_id", "concept_id"),)

    definition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payroll_definitions.id", ondelete="CASCADE"), index=True
    )
    concept_id: Mapped[int] = mapped_column(sa.ForeignKey("concepts.id"), index=True)
    priority_override: Mapped[int | None] = mapped_column(sa.Integer())

    definition: Mapped[PayrollDefinition] = relationship(back_populates="concepts")
