"""The figures of the home page, read in a few queries (no writes, no commit).

* headcount — active employees (``active`` and not terminated before ``today``), in total and
  per company;
* latest runs — the most recent payroll runs with their definition, status, period and totals;
* pending approvals — runs waiting to be approved (status ``generated``) and concept versions
  waiting to be approved (status ``draft``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import (
    Company,
    ConceptStatus,
    ConceptVersion,
    Employee,
    PayrollDefinition,
    PayrollRun,
    RunStatus,
)

__all__ = ["CompanyHeadcount", "DashboardSummary", "RunSummary", "summarize"]

LATEST_RUNS = 8


@dataclass(frozen=True, slots=True)
class CompanyHeadcount:
    company_id: int
    company_name: str
    employees: int


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: int
    definition_name: str
    currency_code: str
    period_start: date
    period_end: date
    status: RunStatus
    employees: int
    net: Decimal
    employer_cost: Decimal


@dataclass(frozen=True, slots=True)
class DashboardSummary:
    headcount: int
    headcount_by_company: tuple[CompanyHeadcount, ...]
    latest_runs: tuple[RunSummary, ...]
    runs_awaiting_approval: int
    concept_versions_awaiting_approval: int

    @property
    def pending_approvals(self) -> int:
        return self.runs_awaiting_approval + self.concept_versions_awaiting_approval


def summarize(session: Session, today: date, *, latest: int = LATEST_RUNS) -> DashboardSummary:
    """The dashboard figures as of ``today`` (four queries whatever the data size)."""
    employed = sa.and_(
        Employee.active.is_(True),
        sa.or_(Employee.termination_date.is_(None), Employee.termination_date >= today),
    )
    per_company = session.execute(
        sa.select(Company.id, Company.name, sa.func.count(Employee.id))
        .join(Employee, Employee.company_id == Company.id)
        .where(employed)
        .group_by(Company.id, Company.name)
        .order_by(Company.name)
    ).all()
    runs = session.execute(
        sa.select(PayrollRun, PayrollDefinition.name, PayrollDefinition.currency_code)
        .join(PayrollDefinition, PayrollDefinition.id == PayrollRun.definition_id)
        .order_by(PayrollRun.period_end.desc(), PayrollRun.id.desc())
        .limit(latest)
    ).all()
    runs_pending = session.scalar(
        sa.select(sa.func.count()).select_from(PayrollRun)
        .where(PayrollRun.status == RunStatus.GENERATED)
    ) or 0
    versions_pending = session.scalar(
        sa.select(sa.func.count()).select_from(ConceptVersion)
        .where(ConceptVersion.status == ConceptStatus.DRAFT)
    ) or 0
    by_company = tuple(CompanyHeadcount(cid, name, count) for cid, name, count in per_company)
    return DashboardSummary(
        headcount=sum(item.employees for item in by_company),
        headcount_by_company=by_company,
        latest_runs=tuple(
            RunSummary(run.id, name, currency, run.period_start, run.period_end, run.status,
                       run.employees, run.net, run.employer_cost)
            for run, name, currency in runs
        ),
        runs_awaiting_approval=runs_pending,
        concept_versions_awaiting_approval=versions_pending,
    )
