"""Reading the audit log: filters, keyset pagination and the before → after diff (read only).

Entries are listed newest first by id (ids grow with time; the primary key orders them), a
page at a time: the next page is the entries with an id below the last one shown, so every
page costs one indexed scan that stops after ``limit + 1`` rows, never an OFFSET or COUNT.

Filters: the user (``user_id``, indexed), the action (exact, or a prefix ending in ``.``
such as ``employee.``), the entity type and id (indexed together) and a range of instants
``[start, end)`` on ``at`` (indexed); the caller converts the days it shows into instants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import AuditEntry, User
from coati_payroll.services.errors import NotFound

__all__ = ["PAGE_SIZE", "AuditFilter", "AuditPage", "DiffLine", "diff", "get_entry",
           "search_entries", "user_choices"]

PAGE_SIZE: Final = 50


@dataclass(frozen=True, slots=True)
class AuditFilter:
    user_id: int | None = None
    action: str = ""
    entity_type: str = ""
    entity_id: str = ""
    start: datetime | None = None  # aware; entries at or after it
    end: datetime | None = None  # aware; entries before it


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]
    next_before: int | None  # the id to ask the next (older) page with
    newer_after: int | None  # the id to ask the previous (newer) page with


@dataclass(frozen=True, slots=True)
class DiffLine:
    field: str
    before: Any
    after: Any
    changed: bool
    only_before: bool = False
    only_after: bool = False


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(filters: AuditFilter) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.user_id is not None:
        conditions.append(AuditEntry.user_id == filters.user_id)
    action = filters.action.strip()
    if action.endswith("."):
        conditions.append(AuditEntry.action.like(f"{_escape(action)}%", escape="\\"))
    elif action:
        conditions.append(AuditEntry.action == action)
    if filters.entity_type.strip():
        conditions.append(AuditEntry.entity_type == filters.entity_type.strip())
    if filters.entity_id.strip():
        conditions.append(AuditEntry.entity_id == filters.entity_id.strip())
    if filters.start is not None:
        conditions.append(AuditEntry.at >= filters.start)
    if filters.end is not None:
        conditions.append(AuditEntry.at < filters.end)
    return conditions


def search_entries(session: Session, filters: AuditFilter, *, before: int | None = None,
                   after: int | None = None, limit: int = PAGE_SIZE) -> AuditPage:
    """One page of entries matching ``filters``, newest first (one query).

    ``before`` — entries older than that id (the next page); ``after`` — the page of entries
    newer than that id (the previous page); neither — the newest entries."""
    query = sa.select(AuditEntry).where(*_conditions(filters))
    backwards = after is not None and before is None
    if before is not None:
        query = query.where(AuditEntry.id < before)
    elif after is not None:
        query = query.where(AuditEntry.id > after)
    query = query.order_by(AuditEntry.id.asc() if backwards else AuditEntry.id.desc())
    fetched = list(session.scalars(query.limit(limit + 1)))
    more = len(fetched) > limit
    entries = fetched[:limit]
    if backwards:
        entries.reverse()
        has_older, has_newer = True, more
    else:
        has_older, has_newer = more, before is not None
    return AuditPage(
        entries=tuple(entries),
        next_before=entries[-1].id if entries and has_older else None,
        newer_after=entries[0].id if entries and has_newer else None,
    )


def get_entry(session: Session, entry_id: int) -> AuditEntry:
    entry = session.get(AuditEntry, entry_id)
    if entry is None:
        raise NotFound(f"no audit entry {entry_id}", entry=entry_id)
    return entry


def user_choices(session: Session) -> list[tuple[int, str]]:
    """Every user as ``(id, username)``, for the user filter."""
    return [(row.id, row.username) for row in session.execute(
        sa.select(User.id, User.username).order_by(User.username))]


def diff(entry: AuditEntry) -> list[DiffLine]:
    """The fields of ``entry.before`` and ``entry.after`` side by side (both are JSON
    objects; any other document is shown as one line named ``value``)."""
    before, after = entry.before, entry.after
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [DiffLine("value", before, after, before != after)]
    lines = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        lines.append(DiffLine(name, old, new, changed=old != new or
                              (name in before) != (name in after),
                              only_before=name not in after, only_after=name not in before))
    return lines
