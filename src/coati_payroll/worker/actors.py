"""The worker's one actor: compute one chunk of a payroll run.

A message is two integers (run id, chunk position); everything else is read from the
database, so a message sent twice, late, or after the run was cancelled does no harm
(:func:`coati_payroll.services.background.process_chunk` is idempotent).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import dramatiq

from coati_payroll.queue import ACTOR_NAME, QUEUE_NAME
from coati_payroll.services.background import ChunkResult, process_chunk
from coati_payroll.services.uow import UnitOfWork

__all__ = ["declare_actors"]

log = logging.getLogger("coati_payroll.worker")


class _Runtime(Protocol):
    def new_uow(self) -> UnitOfWork: ...

    def chunk_processed(self, result: ChunkResult) -> None: ...


def declare_actors(broker: dramatiq.Broker, runtime: _Runtime) -> dramatiq.Actor[Any, Any]:
    """Declare the chunk actor on ``broker``; returns it (``actor.send(run_id, position)``)."""

    def process_run_chunk(run_id: int, position: int) -> None:
        result = process_chunk(runtime.new_uow(), int(run_id), int(position))
        runtime.chunk_processed(result)
        log.debug("run %s chunk %s: %s", run_id, position, result.outcome)

    decorate = dramatiq.actor(broker=broker, actor_name=ACTOR_NAME, queue_name=QUEUE_NAME)
    actor: dramatiq.Actor[Any, Any] = decorate(process_run_chunk)
    return actor
