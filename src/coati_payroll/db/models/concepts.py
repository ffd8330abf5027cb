"""Concepts (earnings, deductions, employer contributions) with governed, dated versions.

A :class:`Concept` is the stable identity (code, kind); its rules live in
:class:`ConceptVersion` rows numbered 1, 2, … per concept. Governance: a version is ``draft``
until approved; an approved version is never edited — editing makes a new draft version
(``version`` + 1). The version a run uses is the approved one with the latest
``effective_from`` on or before the period end (``retired`` versions are kept for history).
:class:`ConceptTestCase` rows are stored examples (inputs → expected amount); the approval
service refuses to approve while any of them fails.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coati_payroll.core.model import ConceptKind, ShortfallPolicy
from coati_payroll.db.base import Base, IdMixin, TimestampMixin, enum_type
from coati_payroll.db.types import Code, JSONDocument, Money, UTCDateTime


class ConceptStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    RETIRED = "retired"


class Concept(IdMixin, TimestampMixin, Base):
    __tablename__ = "concepts"

    code: Mapped[str] = mapped_column(Code(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[ConceptKind] = mapped_column(enum_type(ConceptKind, "concept_kind"))
    active: Mapped[bool] = mapped_column(sa.Boolean(), default=True)

    versions: Mapped[list[ConceptVersion]] = relationship(
        back_populates="concept", order_by="ConceptVersion.version",
        cascade="all, delete-orphan", passive_deletes=True,
    )
    test_cases: Mapped[list[ConceptTestCase]] = relationship(
        back_populates="concept", order_by="ConceptTestCase.name",
        cascade="all, delete-orphan", passive_deletes=True,
    )


class ConceptVersion(IdMixin, TimestampMixin, Base):
    """One version of a concept's rules; the fields mirror :class:`coati_payroll.core.model.
    Concept`. ``tags`` is a JSON list of tag names. ``debit_account``/``credit_account`` are
    the accounting accounts of its lines."""

    __tablename__ = "concept_versions"
    __table_args__ = (
        sa.UniqueConstraint("concept_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.Index("ix_concept_versions_status_effective_from", "status", "effective_from"),
    )

    concept_id: Mapped[int] = mapped_column(
        sa.ForeignKey("concepts.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(sa.Integer())
    status: Mapped[ConceptStatus] = mapped_column(enum_type(ConceptStatus, "status"),
                                                  default=ConceptStatus.DRAFT)
    effective_from: Mapped[date] = mapped_column(sa.Date())
    formula: Mapped[str] = mapped_column(sa.Text())
    condition: Mapped[str | None] = mapped_column(sa.Text())
    priority: Mapped[int] = mapped_column(sa.Integer(), default=0)
    cap: Mapped[Decimal | None] = mapped_column(Money())
    floor: Mapped[Decimal | None] = mapped_column(Money())
    shortfall: Mapped[ShortfallPolicy] = mapped_column(
        enum_type(ShortfallPolicy, "shortfall"), default=ShortfallPolicy.PARTIAL
    )
    loan: Mapped[bool] = mapped_column(sa.Boolean(), default=False)
    tags: Mapped[list[str] | None] = mapped_column(JSONDocument())
    debit_account: Mapped[str | None] = mapped_column(sa.String(64))
    credit_account: Mapped[str | None] = mapped_column(sa.String(64))
    note: Mapped[str | None] = mapped_column(sa.Text())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    concept: Mapped[Concept] = relationship(back_populates="versions")


class ConceptTestCase(IdMixin, TimestampMixin, Base):
    """A stored example: ``inputs`` maps names (``salary``, ``inputs.OVERTIME``, field codes
    …) to values as strings; the concept must yield ``expected``."""

    __tablename__ = "concept_test_cases"
    __table_args__ = (sa.UniqueConstraint("concept_id", "name"),)

    concept_id: Mapped[int] = mapped_column(
        sa.ForeignKey("concepts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    expected: Mapped[Decimal] = mapped_column(Money())

    concept: Mapped[Concept] = relationship(back_populates="test_cases")
