"""The dashboard page and its service (services.dashboard.summarize)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.db.models import ConceptStatus, RunStatus
from coati_payroll.db.testing import Factory
from coati_payroll.services.dashboard import summarize


def _data(factory: Factory) -> None:
    company = factory.company(name="Acme")
    factory.employee(company=company)
    factory.employee(company=company)
    factory.employee(company=company, active=False)
    factory.employee(company=company, termination_date=date(2025, 6, 30))
    other = factory.company(name="Beta")
    factory.employee(company=other)
    definition = factory.definition(company=company, name="Monthly staff")
    factory.run(definition=definition, status=RunStatus.GENERATED, employees=2,
                net=Decimal("18500.50"), employer_cost=Decimal("26000.00"))
    factory.run(definition=definition, status=RunStatus.APPLIED,
                period_start=date(2025, 12, 1), period_end=date(2025, 12, 31))
    factory.concept(status=ConceptStatus.DRAFT)
    factory.concept()


def test_summarize(factory: Factory, session: Session, count_queries: Any) -> None:
    _data(factory)
    with count_queries() as queries:
        summary = summarize(session, date(2026, 1, 15))
    assert queries.count <= 4
    assert summary.headcount == 3
    assert [(c.company_name, c.employees) for c in summary.headcount_by_company] == [
        ("Acme", 2), ("Beta", 1)]
    assert [r.status for r in summary.latest_runs] == [RunStatus.GENERATED, RunStatus.APPLIED]
    assert summary.latest_runs[0].definition_name == "Monthly staff"
    assert summary.latest_runs[0].net == Decimal("18500.50")
    assert summary.runs_awaiting_approval == 1
    assert summary.concept_versions_awaiting_approval == 1
    assert summary.pending_approvals == 2


def test_summarize_empty(session: Session) -> None:
    summary = summarize(session, date(2026, 1, 15))
    assert summary.headcount == 0
    assert summary.latest_runs == ()
    assert summary.pending_approvals == 0


def test_dashboard_page(client: FlaskClient, users: Any, login: Callable[..., Any],
                        factory: Factory, session: Session) -> None:
    _data(factory)
    session.commit()
    login(client, "audit")
    page = client.get("/").get_data(as_text=True)
    assert "Monthly staff" in page
    assert "Generated" in page
    assert "18,500.50" in page
    assert "Jan 1, 2026" in page
    assert "Pending approvals" in page


def test_dashboard_in_the_users_language(client: FlaskClient, users: Any,
                                         login: Callable[..., Any], factory: Factory,
                                         session: Session) -> None:
    _data(factory)
    users["admin"].language = "es"
    session.commit()
    login(client, "admin")
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Tablero" in page
    assert "Generada" in page
    assert "18.500,50" in page
    assert "1 ene 2026" in page
