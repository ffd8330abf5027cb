"""Companies: an installation runs the payrolls of several. Employees and payroll
definitions belong to one company; concepts, tables and payroll types are shared."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coati_payroll.db.base import Base, IdMixin, TimestampMixin
from coati_payroll.db.types import Code


class Company(IdMixin, TimestampMixin, Base):
    __tablename__ = "companies"

    code: Mapped[str] = mapped_column(Code(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    legal_name: Mapped[str | None] = mapped_column(sa.String(200))
    tax_id: Mapped[str | None] = mapped_column(sa.String(64))
    active: Mapped[bool] = mapped_column(sa.Boolean(), default=True)
