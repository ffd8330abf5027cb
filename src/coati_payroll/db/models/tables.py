"""Bracket and rate tables, effective-dated: the rows of one table code from
``effective_from`` on. A run uses, per code, the version with the latest ``effective_from`` on or
before the period end, and snapshots its rows. Rows mirror
:class:`coati_payroll.core.formula.tables.TableRow` (contiguity is checked by the core when the
table is built, before saving)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coati_payroll.core.formula.tables import TableKind
from coati_payroll.db.base import Base, IdMixin, TimestampMixin, enum_type
from coati_payroll.db.types import Code, Money, Rate


class RateTable(IdMixin, TimestampMixin, Base):
    __tablename__ = "rate_tables"
    __table_args__ = (sa.UniqueConstraint("code", "effective_from"),)

    code: Mapped[str] = mapped_column(Code(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[TableKind] = mapped_column(enum_type(TableKind, "table_kind"))
    upper_inclusive: Mapped[bool] = mapped_column(sa.Boolean(), default=True)
    effective_from: Mapped[date] = mapped_column(sa.Date())

    rows: Mapped[list[RateTableRow]] = relationship(
        back_populates="table", order_by="RateTableRow.position",
        cascade="all, delete-orphan", passive_deletes=True,
    )


class RateTableRow(IdMixin, Base):
    __tablename__ = "rate_table_rows"
    __table_args__ = (sa.UniqueConstraint("table_id", "position"),)

    table_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rate_tables.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer())
    lower: Mapped[Decimal] = mapped_column(Money())
    upper: Mapped[Decimal | None] = mapped_column(Money())
    rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal(0))
    fixed: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))

    table: Mapped[RateTable] = relationship(back_populates="rows")
