"""Recovery of background runs: leases that expired, runs that stalled, cancel and resume.

``reclaim_expired`` runs every few seconds in every worker process (and under
``payrollctl runs resume``): expired leases go back to pending and are sent again, pending chunks
of a stalled run are sent again, a run whose chunks are all done is finished, and a chunk claimed
too often puts its run in ``error``. ``cancel`` and ``resume`` are the operator's actions. The
chunk protocol itself is in :mod:`coati_payroll.services.background`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import ChunkStatus, EventLevel, PayrollRun, RunChunk, RunStatus
from coati_payroll.db.types import utcnow
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.background import (
    MAX_ATTEMPTS,
    STALL_SECONDS,
    TOTALS,
    ZERO,
    Enqueue,
    delete_employee_results,
    requester_of,
    try_finish,
)
from coati_payroll.services.errors import InvalidState
from coati_payroll.services.run_progress import add_event
from coati_payroll.services.runs import (
    ENTITY,
    _busy,
    get_run,
)
from coati_payroll.services.uow import UnitOfWork


@dataclass
class Reclaimed:
    """What one :func:`reclaim_expired` pass did."""

    expired: list[tuple[int, int]] = field(default_factory=list)  # (run, position) re-sent
    stalled: list[tuple[int, int]] = field(default_factory=list)  # pending, re-sent
    failed_runs: list[int] = field(default_factory=list)  # too many attempts: run → error
    finished_runs: list[int] = field(default_factory=list)

    @property
    def requeued(self) -> list[tuple[int, int]]:
        return self.expired + self.stalled


def reclaim_expired(uow: UnitOfWork, enqueue: Enqueue, *, now: datetime | None = None,
                    stall_seconds: float = STALL_SECONDS) -> Reclaimed:
    """One recovery pass over every calculating run (safe to run in many processes at once):

    * a running chunk whose lease expired goes back to pending and is sent again (its run
      goes to ``error`` when the chunk was claimed :data:`MAX_ATTEMPTS` times);
    * the pending chunks of a run with no chunk claimed, finished or sent for
      ``stall_seconds`` are sent again (their messages were lost);
    * a run whose chunks are all done but that is still calculating is finished.

    Messages are sent after the commit; QueueUnavailable propagates (the next pass retries).
    """
    now = now or utcnow()
    report = Reclaimed()
    stale = now - timedelta(seconds=stall_seconds)
    with uow:
        session = uow.session
        calculating = sa.select(PayrollRun.id).where(PayrollRun.status == RunStatus.CALCULATING)
        expired = session.execute(
            sa.select(RunChunk.id, RunChunk.run_id, RunChunk.position, RunChunk.attempts,
                      RunChunk.lease_owner)
            .where(RunChunk.status == ChunkStatus.RUNNING, RunChunk.lease_expires_at < now,
                   RunChunk.run_id.in_(calculating))
            .order_by(RunChunk.run_id, RunChunk.position).limit(1000)).all()
        for chunk_id, run_id, position, attempts, lease_owner in expired:
            if run_id in report.failed_runs:
                continue
            if attempts >= MAX_ATTEMPTS:
                _fail_run(session, run_id, f"chunk {position + 1} was taken up {attempts} "
                          f"times without finishing (last worker: {lease_owner})")
                report.failed_runs.append(run_id)
                continue
            taken = cast(sa.CursorResult[Any], session.execute(
                sa.update(RunChunk)
                .where(RunChunk.id == chunk_id, RunChunk.status == ChunkStatus.RUNNING,
                       RunChunk.lease_expires_at < now)
                .values(status=ChunkStatus.PENDING, lease_owner=None, lease_expires_at=None,
                        enqueued_at=now, error=f"lease of {lease_owner} expired")
                .execution_options(synchronize_session=False)))
            if taken.rowcount == 1:
                report.expired.append((run_id, position))
                add_event(session, run_id, "chunk.requeued",
                          f"Chunk {position + 1} taken back from a worker that stopped "
                          f"answering ({lease_owner}); queued again", EventLevel.WARNING,
                          at=now, position=position, reason="lease_expired",
                          worker=(lease_owner or "").rsplit(":", 2)[0])
        for run_id, position, attempts in session.execute(
                sa.select(RunChunk.run_id, RunChunk.position, RunChunk.attempts)
                .where(RunChunk.status == ChunkStatus.PENDING,
                       RunChunk.attempts >= MAX_ATTEMPTS, RunChunk.run_id.in_(calculating))):
            if run_id not in report.failed_runs:
                _fail_run(session, run_id, f"chunk {position + 1} failed {attempts} times")
                report.failed_runs.append(run_id)
        # A worker that died holding a lease probably held prefetched messages too: the
        # pending chunks of those runs are sent again at once, not after the stall delay.
        dead = {run_id for run_id, _ in report.expired}
        report.stalled.extend(_stalled(session, now, stale, set(report.failed_runs), dead))
        uow.commit()
    for run_id, position in report.requeued:
        enqueue(run_id, position)
    with uow:
        done_runs = list(uow.session.execute(
            sa.select(PayrollRun.id).where(
                PayrollRun.status == RunStatus.CALCULATING,
                sa.exists().where(RunChunk.run_id == PayrollRun.id),
                ~sa.exists().where(RunChunk.run_id == PayrollRun.id,
                                   RunChunk.status != ChunkStatus.DONE))).scalars())
    for run_id in done_runs:
        if try_finish(uow, run_id):
            report.finished_runs.append(run_id)
    return report


def _stalled(session: Session, now: datetime, stale: datetime, skip: set[int],
             dead: set[int]) -> list[tuple[int, int]]:
    """Pending chunks of runs with no activity since ``stale`` — or, for the runs in
    ``dead`` (a worker of theirs died), sent before ``now`` — marked sent now."""
    pending = session.execute(
        sa.select(RunChunk.id, RunChunk.run_id, RunChunk.position, RunChunk.enqueued_at)
        .join(PayrollRun, PayrollRun.id == RunChunk.run_id)
        .where(RunChunk.status == ChunkStatus.PENDING,
               PayrollRun.status == RunStatus.CALCULATING,
               sa.or_(RunChunk.enqueued_at.is_(None), RunChunk.enqueued_at < now))
        .order_by(RunChunk.run_id, RunChunk.position).limit(5000)).all()
    by_run: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for chunk_id, run_id, position, enqueued_at in pending:
        if run_id in skip:
            continue
        if run_id in dead or enqueued_at is None or enqueued_at < stale:
            by_run[run_id].append((chunk_id, position))
    result: list[tuple[int, int]] = []
    for run_id, chunks in by_run.items():
        limit = now if run_id in dead else stale
        if run_id not in dead:
            active = session.execute(
                sa.select(sa.func.count()).select_from(RunChunk)
                .where(RunChunk.run_id == run_id,
                       sa.or_(RunChunk.started_at >= stale, RunChunk.finished_at >= stale,
                              RunChunk.enqueued_at >= stale))).scalar_one()
            if active:
                continue  # the run is moving: its messages are just waiting in the queue
        sent = []
        for chunk_id, position in chunks:
            marked = cast(sa.CursorResult[Any], session.execute(
                sa.update(RunChunk)
                .where(RunChunk.id == chunk_id, RunChunk.status == ChunkStatus.PENDING,
                       sa.or_(RunChunk.enqueued_at.is_(None), RunChunk.enqueued_at < limit))
                .values(enqueued_at=now).execution_options(synchronize_session=False)))
            if marked.rowcount == 1:
                sent.append(position)
                result.append((run_id, position))
        if sent:
            add_event(session, run_id, "chunk.resent",
                      (f"A worker stopped: {len(sent)} waiting chunks queued again"
                       if run_id in dead else
                       f"No progress for {round((now - stale).total_seconds())} s: "
                       f"{len(sent)} waiting chunks queued again"), EventLevel.WARNING, at=now,
                      chunks=len(sent), reason="worker_lost" if run_id in dead else "stalled")
    return result


def _fail_run(session: Session, run_id: int, message: str) -> None:
    snapshot = session.execute(sa.select(PayrollRun.snapshot)
                               .where(PayrollRun.id == run_id)).scalar_one()
    failed = cast(sa.CursorResult[Any], session.execute(
        sa.update(PayrollRun)
        .where(PayrollRun.id == run_id, PayrollRun.status == RunStatus.CALCULATING)
        .values(status=RunStatus.ERROR, calculation_token=None, error_message=message,
                version_id=PayrollRun.version_id + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)))
    if failed.rowcount != 1:
        return
    session.execute(sa.update(RunChunk)
                    .where(RunChunk.run_id == run_id, RunChunk.status != ChunkStatus.DONE)
                    .values(status=ChunkStatus.CANCELLED, lease_owner=None,
                            lease_expires_at=None)
                    .execution_options(synchronize_session=False))
    delete_employee_results(session, run_id)
    add_event(session, run_id, "run.failed", f"Calculation failed: {message}",
              EventLevel.ERROR, error=message)
    audit.record(session, requester_of(snapshot), "run.calculate.fail", ENTITY, run_id,
                 before={"status": RunStatus.CALCULATING},
                 after={"status": RunStatus.ERROR, "error": message})


# -- operator actions -------------------------------------------------------------------------

def cancel(uow: UnitOfWork, actor: Actor, run_id: int) -> None:
    """Stop a calculating run cleanly: its chunks are cancelled (a worker computing one
    writes nothing: its lease is gone), its results deleted, and it goes back to ``draft``
    with an event and an audit entry. Also unsticks a synchronous calculation whose process
    died. Raises :class:`InvalidState` unless the run is calculating."""
    with uow:
        session = uow.session
        run = get_run(session, run_id)
        if run.status is not RunStatus.CALCULATING:
            raise InvalidState(f"cannot cancel payroll run {run_id}: it is {run.status.value} "
                               "(only a calculating run can be)", run_id=run_id,
                               status=run.status.value)
        chunks = cast(sa.CursorResult[Any], session.execute(
            sa.update(RunChunk)
            .where(RunChunk.run_id == run_id,
                   RunChunk.status.in_([ChunkStatus.PENDING, ChunkStatus.RUNNING]))
            .values(status=ChunkStatus.CANCELLED, lease_owner=None, lease_expires_at=None)
            .execution_options(synchronize_session=False)))
        reset = cast(sa.CursorResult[Any], session.execute(
            sa.update(PayrollRun)
            .where(PayrollRun.id == run_id, PayrollRun.status == RunStatus.CALCULATING)
            .values(status=RunStatus.DRAFT, calculation_token=None, progress_total=0,
                    progress_done=0, progress_failed=0, employees=0, computed=0, excluded=0,
                    failed=0, version_id=PayrollRun.version_id + 1, updated_at=utcnow(),
                    **dict.fromkeys(TOTALS, ZERO))
            .execution_options(synchronize_session=False)))
        if reset.rowcount != 1:
            raise _busy(run_id)
        delete_employee_results(session, run_id)
        add_event(session, run_id, "run.cancelled",
                  f"Calculation cancelled by {actor.username}", EventLevel.WARNING,
                  by=actor.username, chunks_cancelled=chunks.rowcount)
        audit.record(session, actor, "run.cancel", ENTITY, run_id,
                     before={"status": RunStatus.CALCULATING},
                     after={"status": RunStatus.DRAFT})
        uow.commit()


def resume(uow: UnitOfWork, actor: Actor, run_id: int, enqueue: Enqueue) -> int:
    """Send again every chunk of a calculating run that is not done and not being computed
    under a live lease (after a Redis or worker outage); returns how many were sent. A run
    whose chunks are all done is finished. Raises :class:`InvalidState` when the run is not
    calculating, or was calculated synchronously (cancel it and calculate again)."""
    with uow:
        session = uow.session
        run = get_run(session, run_id)
        if run.status is not RunStatus.CALCULATING:
            raise InvalidState(f"cannot resume payroll run {run_id}: it is {run.status.value} "
                               "(only a calculating run can be)", run_id=run_id,
                               status=run.status.value)
        now = utcnow()
        has_chunks = session.execute(sa.select(sa.func.count()).select_from(RunChunk)
                                     .where(RunChunk.run_id == run_id)).scalar_one()
        if not has_chunks:
            raise InvalidState(
                f"payroll run {run_id} is being calculated synchronously (no background "
                "chunks); if the process calculating it stopped, cancel it and calculate "
                "again", run_id=run_id)
        session.execute(
            sa.update(RunChunk)
            .where(RunChunk.run_id == run_id,
                   sa.or_(RunChunk.status == ChunkStatus.PENDING,
                          sa.and_(RunChunk.status == ChunkStatus.RUNNING,
                                  RunChunk.lease_expires_at < now)))
            .values(status=ChunkStatus.PENDING, lease_owner=None, lease_expires_at=None,
                    attempts=0, enqueued_at=now)
            .execution_options(synchronize_session=False))
        positions = list(session.execute(
            sa.select(RunChunk.position)
            .where(RunChunk.run_id == run_id, RunChunk.status == ChunkStatus.PENDING)
            .order_by(RunChunk.position)).scalars())
        add_event(session, run_id, "run.resumed",
                  f"Resumed by {actor.username}: {len(positions)} chunks queued again",
                  by=actor.username, chunks=len(positions))
        audit.record(session, actor, "run.resume", ENTITY, run_id,
                     before={"status": RunStatus.CALCULATING},
                     after={"status": RunStatus.CALCULATING, "chunks": len(positions)})
        uow.commit()
    for position in positions:
        enqueue(run_id, position)
    if not positions:
        try_finish(uow, run_id)
    return len(positions)


__all__ = ["Reclaimed", "cancel", "reclaim_expired", "resume"]
