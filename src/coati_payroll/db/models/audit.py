"""The append-only audit log: who did what, when, to which entity, and the values before
and after. Every configuration change and every run state change writes one entry (the
service that makes the change writes it in the same transaction).

Append-only is enforced in the ORM: flushing a changed or deleted :class:`AuditEntry` and
ORM-enabled ``update(AuditEntry)``/``delete(AuditEntry)`` statements raise
:class:`AuditLogError`. (Plain Core SQL on the table is not intercepted; the test fixtures use
it to clean up.) ``username`` is copied so that the entry reads the same after a rename.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, UOWTransaction, mapped_column

from coati_payroll.db.base import Base, IdMixin
from coati_payroll.db.types import JSONDocument, UTCDateTime, utcnow


class AuditLogError(RuntimeError):
    """Something tried to change or delete an audit entry."""


class AuditEntry(IdMixin, Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        sa.Index("ix_audit_entries_entity_type_entity_id", "entity_type", "entity_id"),
    )

    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    username: Mapped[str | None] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(64))
    entity_type: Mapped[str] = mapped_column(sa.String(64))
    entity_id: Mapped[str | None] = mapped_column(sa.String(64))
    before: Mapped[Any] = mapped_column(JSONDocument())
    after: Mapped[Any] = mapped_column(JSONDocument())


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: UOWTransaction,
                          instances: object) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            raise AuditLogError(f"audit entry {obj.id} cannot be deleted (the log is append-only)")
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) and session.is_modified(obj, include_collections=False):
            raise AuditLogError(f"audit entry {obj.id} cannot be changed (the log is append-only)")


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_bulk(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None:
        if state.bind_mapper.class_ is AuditEntry:
            raise AuditLogError("audit entries cannot be updated or deleted (append-only)")
