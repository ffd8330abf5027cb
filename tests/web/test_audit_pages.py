"""The audit log browser and its query service (services.audit_log): filters, keyset pages,
the before → after view, Spanish."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.db.testing import Factory
from coati_payroll.services import audit_log


def _entries(factory: Factory, count: int, **kw: Any) -> None:
    for n in range(count):
        factory.audit_entry(entity_id=str(n), **kw)


def test_search_filters_and_keyset(factory: Factory, session: Session,
                                   users: Any, count_queries: Any) -> None:
    _entries(factory, 7, action="employee.update", entity_type="employee",
             user_id=users["hr"].id, username="hr", at=datetime(2026, 1, 10, 12, tzinfo=UTC))
    _entries(factory, 3, action="company.create", entity_type="company",
             at=datetime(2026, 2, 1, 12, tzinfo=UTC))
    session.commit()
    everything = audit_log.AuditFilter()
    with count_queries() as queries:
        first = audit_log.search_entries(session, everything, limit=4)
    assert queries.count == 1
    ids = [e.id for e in first.entries]
    assert ids == sorted(ids, reverse=True) and first.newer_after is None
    second = audit_log.search_entries(session, everything, before=first.next_before, limit=4)
    third = audit_log.search_entries(session, everything, before=second.next_before, limit=4)
    assert len(third.entries) == 2 and third.next_before is None
    back = audit_log.search_entries(session, everything, after=third.newer_after, limit=4)
    assert [e.id for e in back.entries] == [e.id for e in second.entries]
    assert len(audit_log.search_entries(session, audit_log.AuditFilter(
        action="employee.")).entries) == 7
    assert len(audit_log.search_entries(session, audit_log.AuditFilter(
        action="employee.")).entries) == 7
    assert audit_log.search_entries(session, audit_log.AuditFilter(action="employee")).entries \
        == ()
    assert len(audit_log.search_entries(session, audit_log.AuditFilter(
        user_id=users["hr"].id)).entries) == 7
    assert len(audit_log.search_entries(session, audit_log.AuditFilter(
        entity_type="company", entity_id="2")).entries) == 1
    january = audit_log.AuditFilter(start=datetime(2026, 1, 1, tzinfo=UTC),
                                    end=datetime(2026, 2, 1, tzinfo=UTC))
    assert len(audit_log.search_entries(session, january).entries) == 7


def test_diff(factory: Factory, session: Session) -> None:
    entry = factory.audit_entry(before={"name": "A", "tax_id": "1", "gone": True},
                                after={"name": "B", "tax_id": "1", "new": [1]})
    lines = {line.field: line for line in audit_log.diff(entry)}
    assert lines["name"].changed and not lines["tax_id"].changed
    assert lines["gone"].only_before and lines["new"].only_after


def test_pages(client: FlaskClient, users: Any, login: Callable[..., Any], factory: Factory,
               session: Session) -> None:
    factory.audit_entry(action="company.update", entity_type="company", entity_id="7",
                        username="hr", user_id=users["hr"].id,
                        before={"name": "Old name"}, after={"name": "New name"})
    _entries(factory, 60, action="currency.create", entity_type="currency")
    session.commit()
    assert login(client, "audit").status_code == 302
    page = client.get("/audit/").get_data(as_text=True)
    assert page.count("currency.create") == 50 and "Older entries" in page
    older = re.search(r'rel="next" href="([^"]+)"', page)
    assert older is not None
    page = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "company.update" in page and "Newer entries" in page
    page = client.get(f"/audit/?user={users['hr'].id}&entity_type=company").get_data(
        as_text=True)
    assert "company.update" in page and "currency.create" not in page
    assert f'value="{users["hr"].id}" selected' in page
    entry_id = re.search(r'href="/audit/(\d+)"', page).group(1)  # type: ignore[union-attr]
    detail = client.get(f"/audit/{entry_id}").get_data(as_text=True)
    assert "Old name" in detail and "New name" in detail and "changed" in detail
    assert client.get("/audit/999999").status_code == 404
    bad = client.get("/audit/?from=2026-02-30&to=x").get_data(as_text=True)
    assert bad.count("Enter a date as YYYY-MM-DD.") == 2
    swapped = client.get("/audit/?from=2026-03-01&to=2026-02-01").get_data(as_text=True)
    assert "The end date must be on or after the start date." in swapped
    assert "No entries match these filters." in client.get(
        "/audit/?from=2000-01-01&to=2000-01-02").get_data(as_text=True)


def test_empty_and_spanish(client: FlaskClient, users: Any, login: Callable[..., Any],
                           csrf_token: Callable[..., str]) -> None:
    assert login(client, "hr").status_code == 302
    assert "The audit log is empty." in client.get("/audit/").get_data(as_text=True)
    client.post("/auth/language", data={"csrf_token": csrf_token(client, "/audit/"),
                                        "language": "es"})
    page = client.get("/audit/").get_data(as_text=True)
    assert "Bitácora de auditoría" in page and "Tipo de registro" in page
