"""Currencies with their rounding policy, and dated, directional exchange rates.

``ExchangeRate(from_code, to_code, effective_date, rate)`` says that from ``effective_date`` on,
one unit of ``from_code`` is worth ``rate`` units of ``to_code`` (the core's
``PayrollSetup.exchange_rates[salary_currency]`` with ``to_code`` the payroll currency). The
rate in force on a day is the latest one on or before it; there is no inverse or triangulated
lookup. A run snapshots the rates it used.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coati_payroll.core.money import ROUNDING_MODES
from coati_payroll.db.base import Base, IdMixin, TimestampMixin
from coati_payroll.db.types import Code, Rate

_MODES = ", ".join(f"'{mode}'" for mode in ROUNDING_MODES)


class Currency(IdMixin, TimestampMixin, Base):
    """``minor_unit`` is the smallest amount lines are rounded to (0.01, 1, 0.05 …) and
    ``rounding_mode`` one of :data:`coati_payroll.core.money.ROUNDING_MODES`."""

    __tablename__ = "currencies"
    __table_args__ = (
        sa.CheckConstraint(f"rounding_mode IN ({_MODES})", name="rounding_mode"),
    )

    code: Mapped[str] = mapped_column(Code(10), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    symbol: Mapped[str | None] = mapped_column(sa.String(10))
    minor_unit: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("0.01"))
    rounding_mode: Mapped[str] = mapped_column(sa.String(16), default="HALF_UP")
    active: Mapped[bool] = mapped_column(sa.Boolean(), default=True)


class ExchangeRate(IdMixin, TimestampMixin, Base):
    __tablename__ = "exchange_rates"
    __table_args__ = (
        sa.UniqueConstraint("from_code", "to_code", "effective_date"),
        sa.CheckConstraint("from_code <> to_code", name="distinct_currencies"),
    )

    from_code: Mapped[str] = mapped_column(Code(10), sa.ForeignKey("currencies.code"))
    to_code: Mapped[str] = mapped_column(Code(10), sa.ForeignKey("currencies.code"), index=True)
    effective_date: Mapped[date] = mapped_column(sa.Date())
    rate: Mapped[Decimal] = mapped_column(Rate())
