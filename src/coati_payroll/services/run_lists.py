"""The list of payroll runs and the payroll definitions to start one from (the runs index
and the new-run form); a single run's read models are in :mod:`run_queries`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db import models as m
from coati_payroll.db.models import RunStatus
from coati_payroll.services.run_queries import ZERO, quantizer

__all__ = ["RunListItem", "definition_choices", "list_runs"]


@dataclass(frozen=True, slots=True)
class RunListItem:
    id: int
    definition_code: str
    definition_name: str
    currency_code: str
    period_start: date
    period_end: date
    status: RunStatus
    employees: int
    failed: int
    net: Decimal


def list_runs(session: Session, *, status: str | None = None, definition_id: int | None = None,
              page: int = 1, per_page: int = 50) -> tuple[list[RunListItem], int]:
    """Runs, newest period first, with their definition (2 queries: count and page)."""
    run, definition = m.PayrollRun, m.PayrollDefinition
    conditions: list[Any] = []
    if status in {s.value for s in RunStatus}:
        conditions.append(run.status == status)
    if definition_id is not None:
        conditions.append(run.definition_id == definition_id)
    total = session.execute(sa.select(sa.func.count()).select_from(run)
                            .where(*conditions)).scalar_one()
    rows = session.execute(
        sa.select(run.id, definition.code, definition.name, definition.currency_code,
                  run.period_start, run.period_end, run.status, run.employees, run.failed,
                  run.net, m.Currency.minor_unit)
        .join(definition, definition.id == run.definition_id)
        .outerjoin(m.Currency, m.Currency.code == definition.currency_code).where(*conditions)
        .order_by(run.period_start.desc(), run.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return [RunListItem(r[0], r[1], r[2], r[3], r[4], r[5], RunStatus(r[6]), r[7] or 0,
                        r[8] or 0, quantizer(r[10] or Decimal("0.01"))(r[9] or ZERO))
            for r in rows], total


def definition_choices(session: Session) -> list[tuple[int, str]]:
    """Active payroll definitions as (id, "Company · Name (CODE)") (1 query)."""
    definition = m.PayrollDefinition
    return [(id_, f"{company} · {name} ({code})") for id_, code, name, company in session.execute(
        sa.select(definition.id, definition.code, definition.name, m.Company.name)
        .join(m.Company, m.Company.id == definition.company_id)
        .where(definition.active.is_(True))
        .order_by(m.Company.name, definition.code))]
