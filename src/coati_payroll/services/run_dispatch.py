"""The one entry point the web and ``payrollctl`` use to calculate a run: in the background or
synchronously, by the contract of :func:`coati_payroll.services.background.decide`.

::

    outcome = calculate_or_enqueue(uow, actor, run_id, settings, enqueue, probe)
    outcome.mode       # "background" or "synchronous"
    outcome.decision   # why (reason_code, reason_text, params) — show it to the user

The reason is logged (logger ``coati_payroll.runs``) and, for a synchronous run, written to the
run's activity log. If Redis stops answering between the probe and the first message, the run
is calculated synchronously with reason ``redis_unreachable``: an outage never blocks a run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from coati_payroll.db import models as m
from coati_payroll.queue import QueueUnavailable
from coati_payroll.services.actor import Actor
from coati_payroll.services.background import (
    BackgroundStart,
    Decision,
    Enqueue,
    decide,
    start_background,
)
from coati_payroll.services.run_progress import add_event
from coati_payroll.services.runs import RunSummary, calculate_run, get_run, recalculate_run
from coati_payroll.services.uow import UnitOfWork
from coati_payroll.settings import Settings, mask_url

__all__ = ["Outcome", "calculate_or_enqueue", "employee_count"]

log = logging.getLogger("coati_payroll.runs")


@dataclass(frozen=True, slots=True)
class Outcome:
    """``mode`` "background" (``started`` set; the run is ``calculating``) or "synchronous"
    (``summary`` set; the run is ``generated``)."""

    mode: str
    decision: Decision
    summary: RunSummary | None = None
    started: BackgroundStart | None = None


def employee_count(uow: UnitOfWork, run_id: int) -> int:
    """How many employees the run's payroll definition has (what a calculation computes)."""
    with uow:
        run = get_run(uow.session, run_id)
        return int(uow.session.execute(
            sa.select(sa.func.count()).select_from(m.DefinitionEmployee)
            .where(m.DefinitionEmployee.definition_id == run.definition_id)).scalar_one())


def calculate_or_enqueue(uow: UnitOfWork, actor: Actor, run_id: int, settings: Settings,
                         enqueue: Enqueue | None, probe: Callable[[str], str | None], *,
                         recalculate: bool = False, refresh_setup: bool | None = None,
                         sync_chunk_size: int | None = None) -> Outcome:
    """Calculate (``recalculate``: recalculate) run ``run_id`` in the background when the
    contract allows it, else synchronously; see the module docstring.

    ``enqueue(run_id, position)`` sends a chunk message (``QueueClient.enqueue_chunk``); it
    may be None only when the queue is disabled. ``probe(url)`` returns None when Redis
    answers (``coati_payroll.queue.probe_redis``). Raises what ``runs.calculate_run`` /
    ``recalculate_run`` and ``background.start_background`` raise (Conflict, InvalidState,
    NotFound, ConfigurationError)."""
    decision = decide(settings, employee_count(uow, run_id), probe)
    if decision.background:
        if enqueue is None:
            raise ValueError("the queue is enabled but no enqueue function was given")
        try:
            started = start_background(uow, actor, run_id, settings.payroll_chunk_size,
                                       enqueue, recalculate=recalculate,
                                       refresh_setup=refresh_setup,
                                       reason=decision.reason_text)
        except QueueUnavailable as error:
            url = mask_url(settings.redis_url or "")
            decision = Decision(False, "redis_unreachable",
                                f"calculated synchronously: Redis at {url} did not take the "
                                f"work ({error})",
                                {**decision.params, "url": url, "problem": str(error)})
        else:
            log.info("run %s: %s (%d chunks)", run_id, decision.reason_text, started.chunks)
            return Outcome("background", decision, started=started)
    log.info("run %s: %s", run_id, decision.reason_text)
    options = {} if sync_chunk_size is None else {"chunk_size": sync_chunk_size}
    if recalculate:
        summary = recalculate_run(uow, actor, run_id, refresh_setup=bool(refresh_setup),
                                  **options)
    else:
        summary = calculate_run(uow, actor, run_id, **options)
    with uow:
        add_event(uow.session, run_id, f"synchronous.{decision.reason_code}",
                  decision.reason_text[:1].upper() + decision.reason_text[1:],
                  **decision.params)
        uow.commit()
    return Outcome("synchronous", decision, summary=summary)
