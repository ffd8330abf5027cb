"""Writing the append-only audit log (in the caller's transaction)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from coati_payroll.db.models import AuditEntry
from coati_payroll.db.types import to_jsonable
from coati_payroll.services.actor import Actor


def record(session: Session, actor: Actor, action: str, entity_type: str,
           entity_id: object, before: Any = None, after: Any = None) -> AuditEntry:
    """Add one audit entry: ``actor`` did ``action`` (e.g. ``run.approve``) to the entity,
    whose values went from ``before`` to ``after`` (JSON-able after Decimal/date conversion;
    None is stored as an empty object)."""
    entry = AuditEntry(
        user_id=actor.user_id, username=actor.username, action=action,
        entity_type=entity_type, entity_id=None if entity_id is None else str(entity_id),
        before=to_jsonable({} if before is None else before),
        after=to_jsonable({} if after is None else after))
    session.add(entry)
    return entry
