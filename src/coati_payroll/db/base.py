"""The declarative base, the constraint naming convention and the common column mixins.

Constraint names are fixed by :data:`NAMING_CONVENTION`, so that migrations can drop and alter
them by name on every backend (SQLite batch mode needs named constraints too). Every name is
at most 63 characters (PostgreSQL's limit; MariaDB allows 64); ``tests/db`` checks it.

Enumerations are stored as ``VARCHAR`` with a ``CHECK`` constraint (:func:`enum_type`), never a
native enum type, so that the three backends accept and refuse the same values and adding a
value is a plain constraint change.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from coati_payroll.db.types import UTCDateTime, utcnow

NAMING_CONVENTION: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; ``Base.metadata`` is what Alembic compares against."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    """An integer surrogate key (autoincrement on every backend)."""

    id: Mapped[int] = mapped_column(
        sa.Integer, primary_key=True, autoincrement=True, sort_order=-100
    )


class TimestampMixin:
    """``created_at`` and ``updated_at`` in UTC, set by Python (not server defaults, which
    differ across backends): ``updated_at`` changes on every ORM update of the row."""

    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False, sort_order=100
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False, sort_order=101
    )


def enum_type(enum: type[Enum], name: str) -> sa.Enum:
    """A VARCHAR(32) column type holding ``enum``'s values, with a CHECK constraint named
    ``ck_<table>_<name>`` listing them. The length is fixed (not the longest value) so that a new
    value is only a constraint change."""
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
        length=max(32, *(len(str(member.value)) for member in enum)),
    )

