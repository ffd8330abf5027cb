"""Background calculation of a run: its chunks (units of work for the workers) and its
activity log.

A run calculated in the background is split into :class:`RunChunk` rows, each naming the
employees it computes (``employee_ids``, in id order). A chunk is::

    pending ──claim (lease)──▶ running ──results written──▶ done
       ▲                          │
       └── lease expired / error ─┘        pending | running ──cancel──▶ cancelled

* **Lease**: a worker owns a running chunk while ``lease_expires_at`` is in the future and
  ``lease_owner`` is its token; it renews the lease while it computes. A chunk whose lease has
  expired (its worker was killed) is taken back to ``pending`` and queued again.
* ``attempts`` counts claims; ``enqueued_at`` is when a message for it was last sent, so that
  a pending chunk whose message was lost (held by a killed worker) is sent again.
* ``(run_id, position)`` is unique: a message names a chunk by these two numbers only.
* ``employees``/``failed``: what a done chunk computed (all its payslips / those in error),
  written in the transaction that marks it done. The run's progress while it calculates is
  their sum; the run row itself is only updated when the run finishes, so that chunks landing
  at the same time never wait for each other on it.

:class:`RunEvent` is the run's activity log shown on the run page (and by
``payrollctl runs progress``): a ``code`` with its ``params`` (for translation), the English
``message`` and a ``level``. Events are written in the same transaction as what they report.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coati_payroll.db.base import Base, IdMixin, enum_type
from coati_payroll.db.types import JSONDocument, UTCDateTime, utcnow


class ChunkStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"


class EventLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class RunChunk(IdMixin, Base):
    __tablename__ = "run_chunks"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "position"),
        sa.Index("ix_run_chunks_status_lease_expires_at", "status", "lease_expires_at"),
    )

    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payroll_runs.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer())
    employee_ids: Mapped[list[int]] = mapped_column(JSONDocument())
    status: Mapped[ChunkStatus] = mapped_column(enum_type(ChunkStatus, "status"),
                                                default=ChunkStatus.PENDING)
    attempts: Mapped[int] = mapped_column(sa.Integer(), default=0)
    lease_owner: Mapped[str | None] = mapped_column(sa.String(128))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    employees: Mapped[int] = mapped_column(sa.Integer(), default=0)
    failed: Mapped[int] = mapped_column(sa.Integer(), default=0)
    error: Mapped[str | None] = mapped_column(sa.Text())


class RunEvent(IdMixin, Base):
    __tablename__ = "run_events"

    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payroll_runs.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    level: Mapped[EventLevel] = mapped_column(enum_type(EventLevel, "level"),
                                              default=EventLevel.INFO)
    code: Mapped[str] = mapped_column(sa.String(64))
    message: Mapped[str] = mapped_column(sa.String(1000))
    params: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument())
