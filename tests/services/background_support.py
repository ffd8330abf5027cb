"""Helpers for the background-run tests (tests/services, tests/worker, tests/e2e): a payroll
with one failing employee, a synchronous reference run, and comparisons.

``reference(engine, n)`` writes the runs_support payroll with ``n`` employees (employee 3 has
no salary: its payslip fails with ``missing_salary``), calculates it synchronously, keeps the
payslips and the summary, voids that run and creates a new draft for the same period: the
background run of the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from runs_support import ACTOR, PERIOD, draft, new_uow, write
from sqlalchemy.engine import Engine

from coati_payroll.core.results import Payslip
from coati_payroll.db import models as m
from coati_payroll.services.background import process_chunk
from coati_payroll.services.runs import RunSummary, calculate_run, create_run, show_run
from coati_payroll.services.runs_apply import void_run
from coati_payroll.services.runs_results import payslips_of
from coati_payroll.settings import Settings

FAILING = 3  # index of the employee without salary


@dataclass
class Reference:
    definition_id: int
    sync_run: int
    run_id: int  # the fresh draft of the same period
    payslips: dict[int, Payslip]
    summary: RunSummary


def reference(engine: Engine, employees: int) -> Reference:
    ids = write(engine, employees=employees)
    with new_uow(engine) as uow:
        employee_id = uow.session.execute(
            sa.select(m.Employee.id).where(m.Employee.code == f"E{FAILING:03d}")).scalar_one()
        uow.session.execute(sa.delete(m.SalaryChange)
                            .where(m.SalaryChange.employee_id == employee_id))
        uow.commit()
    sync_run = draft(engine, ids)
    summary = calculate_run(new_uow(engine), ACTOR, sync_run, chunk_size=7)
    with new_uow(engine) as uow:
        payslips = payslips_of(uow.session, sync_run)
    void_run(new_uow(engine), ACTOR, sync_run, "reference done")
    run_id = create_run(new_uow(engine), ACTOR, ids.definition_id, PERIOD.start, PERIOD.end,
                        PERIOD.payment_date).id
    return Reference(ids.definition_id, sync_run, run_id, payslips, summary)


def assert_same_as_reference(engine: Engine, ref: Reference, run_id: int) -> None:
    with new_uow(engine) as uow:
        got = payslips_of(uow.session, run_id)
        rows = uow.session.execute(sa.select(sa.func.count()).select_from(m.RunEmployee)
                                   .where(m.RunEmployee.run_id == run_id)).scalar_one()
    assert rows == len(ref.payslips)  # no duplicates
    assert got == ref.payslips
    summary = show_run(new_uow(engine), run_id)
    for name in ("employees", "computed", "excluded", "failed", "gross", "total_deductions",
                 "net", "employer_contributions", "employer_cost"):
        assert getattr(summary, name) == getattr(ref.summary, name), name


@dataclass
class Queue:
    """A fake transport: ``enqueue`` records messages; ``drain`` processes them."""

    messages: list[tuple[int, int]] = field(default_factory=list)

    def enqueue(self, run_id: int, position: int) -> None:
        self.messages.append((run_id, position))

    def drain(self, engine: Engine, *, shuffle: int | None = None, twice: bool = False,
              ) -> list[str]:
        batch, self.messages = self.messages, []
        if twice:
            batch = batch + batch
        if shuffle is not None:
            random.Random(shuffle).shuffle(batch)
        outcomes = []
        for run_id, position in batch:
            result = process_chunk(new_uow(engine), run_id, position)
            outcomes.append("finished" if result.finished else result.outcome)
        return outcomes


def queue_settings(**overrides: str) -> Settings:
    values = {"ENVIRONMENT": "test", "QUEUE_ENABLED": "1", "REDIS_URL": "redis://:secret@127.0.0.1:1/0",
              "BACKGROUND_PAYROLL_THRESHOLD": "3", "PAYROLL_CHUNK_SIZE": "4", **overrides}
    return Settings.from_env(values)


REDIS_OK: Callable[[str], str | None] = lambda url: None  # noqa: E731
