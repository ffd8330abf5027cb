"""The audit log is append-only through the ORM."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import AuditEntry, AuditLogError
from coati_payroll.db.testing import Factory


def test_entries_can_be_added_and_read(session: Session, factory: Factory) -> None:
    user = factory.user()
    entry = factory.audit_entry(user_id=user.id, username=user.username,
                                action="approve", entity_type="payroll_run", entity_id="7",
                                before={"status": "generated"}, after={"status": "approved"})
    session.commit()
    session.expunge_all()
    read = session.get(AuditEntry, entry.id)
    assert read is not None
    assert (read.action, read.before, read.after) == (
        "approve", {"status": "generated"}, {"status": "approved"})
    assert read.at.tzinfo is not None


def test_an_entry_cannot_be_changed(session: Session, factory: Factory) -> None:
    entry = factory.audit_entry()
    session.commit()
    entry.after = {"formula": "forged"}
    with pytest.raises(AuditLogError, match="append-only"):
        session.flush()


def test_an_entry_cannot_be_deleted(session: Session, factory: Factory) -> None:
    entry = factory.audit_entry()
    session.commit()
    session.delete(entry)
    with pytest.raises(AuditLogError, match="append-only"):
        session.flush()


@pytest.mark.parametrize("statement", [
    sa.update(AuditEntry).values(action="forged"),
    sa.delete(AuditEntry),
], ids=["update", "delete"])
def test_bulk_statements_are_refused(session: Session, factory: Factory,
                                     statement: sa.Executable) -> None:
    factory.audit_entry()
    session.commit()
    with pytest.raises(AuditLogError):
        session.execute(statement)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1
