"""Background calculation of payroll runs: split into chunks, computed by any worker,
recovered by leases. The full story, for operators too, is docs/background.md.

The decision (:func:`decide`): a run goes to the background only when QUEUE_ENABLED is on,
it has more employees than BACKGROUND_PAYROLL_THRESHOLD, and Redis answers at REDIS_URL;
otherwise it is calculated synchronously and the reason says which condition failed.

The life of a background run::

    start_background ── claim the run (calculation_token, as runs.calculate_run does), store
      │                 the setup snapshot, delete old results, create the chunks, commit,
      │                 then send one message (run id, position) per chunk
      ▼
    process_chunk ×N ── (any worker, any order, any number of times)
      1. claim the chunk's lease: UPDATE … SET status=running, lease_owner=me WHERE pending,
         or running with an expired lease, and the run is calculating     (commit)
      2. compute its employees with the run's stored setup (never a fresh one), renewing the
         lease between sub-batches
      3. in ONE transaction: mark the chunk done only if I still own the lease, replace the
         employees' results, add to the run's progress counters, log an event      (commit)
      4. try_finish: UPDATE the run to generated WHERE calculating AND no chunk is not done —
         exactly one caller wins; it sums the totals and writes the audit entry
    reclaim_expired ── (every worker process, every few seconds) expired leases go back to
                       pending and are sent again; pending chunks of a stalled run are sent
                       again; a run whose chunks are all done is finished
    cancel / resume ── an operator stops a run (back to draft) or re-sends what is missing
                       (reclaim_expired, cancel and resume live in background_recovery)

Idempotency: a chunk is written only by the owner of its lease, in the transaction that marks
it done, after deleting any result of its employees in that run; a redelivered message finds
the chunk done (or leased) and does nothing. Results are identical to a synchronous run of the
same data: the same setup (from the run snapshot), the same employee snapshots, the same core.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.engine import CompiledPayroll, compile_payroll
from coati_payroll.core.model import PayPeriod, PayrollSetup
from coati_payroll.core.results import Payslip, PayslipStatus
from coati_payroll.db import models as m
from coati_payroll.db.models import ChunkStatus, EventLevel, PayrollRun, RunChunk, RunStatus
from coati_payroll.db.types import utcnow
from coati_payroll.queue import QueueUnavailable
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState
from coati_payroll.services.run_progress import add_event
from coati_payroll.services.runs import (
    ENTITY,
    _busy,
    _claim,
    _payslip,
    _release_failed,
    get_run,
)
from coati_payroll.services.runs_results import write_payslips
from coati_payroll.services.snapshot import (
    load_employees,
    load_setup,
    setup_from_json,
    setup_to_json,
)
from coati_payroll.services.uow import UnitOfWork
from coati_payroll.settings import Settings, mask_url

__all__ = [
    "LEASE_SECONDS",
    "MAX_ATTEMPTS",
    "REAPER_INTERVAL_SECONDS",
    "STALL_SECONDS",
    "BackgroundStart",
    "ChunkResult",
    "Decision",
    "TOTALS",
    "Enqueue",
    "decide",
    "delete_employee_results",
    "new_owner",
    "process_chunk",
    "requester_of",
    "start_background",
    "try_finish",
]

log = logging.getLogger(__name__)

#: How long a worker owns a chunk without renewing; a killed worker's chunk is taken back
#: after at most this plus one reaper interval.
LEASE_SECONDS: Final = 30
#: How often each worker process runs :func:`reclaim_expired`.
REAPER_INTERVAL_SECONDS: Final = 5
#: A pending chunk is sent again when its run has shown no activity for this long (its
#: message was lost, e.g. prefetched by a worker that was killed).
STALL_SECONDS: Final = 20
#: Claims of one chunk before the run is given up as ``error``.
MAX_ATTEMPTS: Final = 5
#: Employees computed between two lease checks.
SUB_BATCH: Final = 50

#: ``enqueue(run_id, position)``: send the message of one chunk; raises QueueUnavailable.
Enqueue = Callable[[int, int], None]
TOTALS: Final = ("gross", "total_deductions", "net", "employer_contributions", "employer_cost")
ZERO: Final = Decimal(0)


# -- the decision -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a run goes to the background, and why (``reason_code`` is one of
    ``background``, ``queue_disabled``, ``below_threshold``, ``redis_unreachable``;
    ``reason_text`` is English; ``params`` are for a translated message)."""

    background: bool
    reason_code: str
    reason_text: str
    params: Mapping[str, Any] = field(default_factory=dict)


def decide(settings: Settings, employee_count: int,
           redis_probe: Callable[[str], str | None]) -> Decision:
    """Apply the contract: background only with QUEUE_ENABLED, more than
    BACKGROUND_PAYROLL_THRESHOLD employees and Redis answering ``redis_probe(url)`` with
    None (else the probe returns why not). Redis is probed only when the first two hold."""
    threshold = settings.background_payroll_threshold
    if not settings.queue_enabled or settings.redis_url is None:
        return Decision(False, "queue_disabled",
                        "calculated synchronously: the background queue is disabled "
                        "(QUEUE_ENABLED=0)", {"employees": employee_count})
    if not settings.runs_in_background(employee_count):
        return Decision(False, "below_threshold",
                        f"calculated synchronously: {employee_count} employees, not more than "
                        f"the background threshold of {threshold} "
                        "(BACKGROUND_PAYROLL_THRESHOLD)",
                        {"employees": employee_count, "threshold": threshold})
    url = mask_url(settings.redis_url)
    problem = redis_probe(settings.redis_url)
    if problem is not None:
        return Decision(False, "redis_unreachable",
                        f"calculated synchronously: Redis is unreachable at {url} ({problem})",
                        {"employees": employee_count, "url": url, "problem": problem})
    return Decision(True, "background",
                    f"calculating in the background: {employee_count} employees, more than "
                    f"the threshold of {threshold}, Redis at {url}",
                    {"employees": employee_count, "threshold": threshold, "url": url})


# -- start ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BackgroundStart:
    """A run handed to the workers: ``chunks`` messages for ``employees`` employees;
    ``sent`` of them reached Redis (the rest are re-sent by the reaper)."""

    run_id: int
    employees: int
    chunks: int
    chunk_size: int
    sent: int


def start_background(uow: UnitOfWork, actor: Actor, run_id: int, chunk_size: int,
                     enqueue: Enqueue, *, recalculate: bool = False,
                     refresh_setup: bool | None = None, reason: str = "") -> BackgroundStart:
    """Claim the run, prepare its chunks (one commit) and send them.

    ``recalculate``: a generated (or failed) run, like ``runs.recalculate_run``; otherwise a
    draft (or failed) run like ``runs.calculate_run``. ``refresh_setup`` defaults to True for
    calculate and False for recalculate (reuse the run's setup snapshot). Raises
    :class:`Conflict` when the run is being calculated, :class:`InvalidState` in another
    state, the core's ``ConfigurationError`` (run left in ``error``) when the setup does not
    compile, and :class:`QueueUnavailable` when not even the first message could be sent —
    the run is then back in ``draft`` with nothing queued (calculate it synchronously)."""
    if chunk_size < 1:
        raise InvalidInput("chunk_size must be at least 1", {"chunk_size": str(chunk_size)})
    allowed = ((RunStatus.GENERATED, RunStatus.ERROR) if recalculate
               else (RunStatus.DRAFT, RunStatus.ERROR))
    action = "recalculate" if recalculate else "calculate"
    refresh = (not recalculate) if refresh_setup is None else refresh_setup
    token = _claim(uow, actor, run_id, allowed, action)
    try:
        employees, positions = _prepare(uow, actor, run_id, token, chunk_size, refresh, reason)
    except Exception as error:  # released and re-raised: never swallowed
        _release_failed(uow, actor, run_id, token, error)
        raise
    sent = 0
    for position in positions:
        try:
            enqueue(run_id, position)
        except QueueUnavailable:
            if sent == 0:
                _abandon(uow, actor, run_id, token)
                raise
            log.warning("run %s: %d of %d chunk messages not sent (Redis); the workers' "
                        "reaper sends them again", run_id, len(positions) - sent,
                        len(positions), exc_info=True)
            break
        sent += 1
    return BackgroundStart(run_id, employees, len(positions), chunk_size, sent)


def _prepare(uow: UnitOfWork, actor: Actor, run_id: int, token: str, chunk_size: int,
             refresh_setup: bool, reason: str) -> tuple[int, list[int]]:
    with uow:
        session = uow.session
        run = get_run(session, run_id)
        if run.calculation_token != token:
            raise _busy(run_id)
        period = PayPeriod(run.period_start, run.period_end, run.payment_date)
        if not refresh_setup and run.snapshot and "setup" in run.snapshot:
            setup = setup_from_json(run.snapshot["setup"])
            snapshot = {k: v for k, v in run.snapshot.items() if k != "calculation"}
        else:
            loaded = load_setup(session, run.definition_id, period)
            setup = loaded.setup
            snapshot = {"setup": setup_to_json(setup),
                        "concept_versions": dict(loaded.concept_versions),
                        "omitted_concepts": dict(loaded.omitted_concepts)}
        compile_payroll(setup)  # a setup that does not compile fails here, not in N workers
        now = utcnow()
        snapshot["calculation"] = {
            "mode": "background", "token": token, "started_at": now.isoformat(),
            "requested_by": actor.username, "user_id": actor.user_id, "chunk_size": chunk_size}
        employee_ids = list(session.execute(
            sa.select(m.DefinitionEmployee.employee_id)
            .where(m.DefinitionEmployee.definition_id == run.definition_id)
            .order_by(m.DefinitionEmployee.employee_id)).scalars())
        delete_employee_results(session, run_id)
        session.execute(sa.delete(RunChunk).where(RunChunk.run_id == run_id))
        groups = [employee_ids[i:i + chunk_size]
                  for i in range(0, len(employee_ids), chunk_size)] or [[]]
        session.execute(sa.insert(RunChunk), [
            {"run_id": run_id, "position": position, "employee_ids": ids,
             "status": ChunkStatus.PENDING, "attempts": 0, "enqueued_at": now,
             "employees": 0, "failed": 0}
            for position, ids in enumerate(groups)])
        run.snapshot = snapshot
        run.progress_total = len(employee_ids)
        run.progress_done = run.progress_failed = 0
        for name in ("employees", "computed", "excluded", "failed"):
            setattr(run, name, 0)
        for name in TOTALS:
            setattr(run, name, ZERO)
        add_event(session, run_id, "background.started",
                  f"Calculation started in the background: {len(employee_ids)} employees in "
                  f"{len(groups)} chunks of up to {chunk_size}"
                  + (f" ({reason})" if reason else ""),
                  employees=len(employee_ids), chunks=len(groups), chunk_size=chunk_size,
                  requested_by=actor.username)
        session.flush()
        uow.commit()
    return len(employee_ids), list(range(len(groups)))


def _abandon(uow: UnitOfWork, actor: Actor, run_id: int, token: str) -> None:
    """Nothing could be queued: undo the start (run back to draft, chunks removed)."""
    with uow:
        session = uow.session
        released = cast(sa.CursorResult[Any], session.execute(
            sa.update(PayrollRun)
            .where(PayrollRun.id == run_id, PayrollRun.calculation_token == token)
            .values(calculation_token=None, status=RunStatus.DRAFT, progress_total=0,
                    version_id=PayrollRun.version_id + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)))
        if released.rowcount == 1:
            session.execute(sa.delete(RunChunk).where(RunChunk.run_id == run_id))
            add_event(session, run_id, "background.not_queued",
                      "Redis did not take the chunk messages; the background calculation was "
                      "undone", EventLevel.WARNING)
            audit.record(session, actor, "run.background.abandon", ENTITY, run_id,
                         before={"status": RunStatus.CALCULATING},
                         after={"status": RunStatus.DRAFT})
        uow.commit()


def delete_employee_results(session: Session, run_id: int,
                    employee_ids: Sequence[int] | None = None) -> None:
    """Delete the run's results (only those of ``employee_ids`` when given)."""
    employees, lines = m.RunEmployee, m.RunLine
    if employee_ids is None:
        session.execute(sa.delete(lines).where(lines.run_id == run_id))
        session.execute(sa.delete(employees).where(employees.run_id == run_id))
        return
    if not employee_ids:
        return
    # Normally there is nothing to delete (a chunk that is not done has no results): one
    # indexed SELECT on (run_id, employee_id) instead of two DELETEs with a subquery.
    wanted = set(employee_ids)
    existing = [row_id for row_id, employee_id in session.execute(
        sa.select(employees.id, employees.employee_id)
        .where(employees.run_id == run_id,
               employees.employee_id.between(min(wanted), max(wanted))))
        if employee_id in wanted]
    if existing:
        session.execute(sa.delete(lines).where(lines.run_employee_id.in_(existing)))
        session.execute(sa.delete(employees).where(employees.id.in_(existing)))


# -- one chunk --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What :func:`process_chunk` did: ``done`` (written; ``finished`` when this call also
    flipped the run to generated), ``skipped`` (already done, cancelled, leased by another
    worker, or the run is no longer calculating) or ``lost`` (the lease was taken back while
    computing; nothing written)."""

    run_id: int
    position: int
    outcome: str
    employees: int = 0
    failed: int = 0
    finished: bool = False


def new_owner() -> str:
    """A lease owner token naming this host, process and thread, unique per claim."""
    return (f"{socket.gethostname()[:60]}:{os.getpid()}:{threading.get_ident() % 10**8}:"
            f"{secrets.token_hex(4)}")


class _LeaseLost(Exception):
    """Our lease was taken back while computing (we were too slow, or cancelled)."""


def process_chunk(uow: UnitOfWork, run_id: int, position: int, *, owner: str | None = None,
                  lease_seconds: float = LEASE_SECONDS,
                  clock: Callable[[], datetime] = utcnow) -> ChunkResult:
    """Compute chunk ``position`` of run ``run_id`` (see the module docstring); idempotent.

    Exceptions (a database that went away) release the lease (best effort) and propagate,
    so the worker's retry middleware can try again; the chunk is pending meanwhile."""
    owner = owner or new_owner()
    claimed = _claim_chunk(uow, run_id, position, owner, lease_seconds, clock)
    if claimed is None:
        return ChunkResult(run_id, position, "skipped")
    chunk_id, employee_ids = claimed
    try:
        result = _compute_and_write(uow, run_id, position, chunk_id, employee_ids, owner,
                                    lease_seconds, clock)
    except _LeaseLost:
        log.info("run %s chunk %s: lease lost while computing; nothing written",
                 run_id, position)
        return ChunkResult(run_id, position, "lost")
    except Exception as error:
        _release_chunk(uow, chunk_id, owner, error)
        raise
    if result.outcome != "done":
        return result
    finished = try_finish(uow, run_id, clock=clock)
    return ChunkResult(run_id, position, "done", result.employees, result.failed, finished)


def _claim_chunk(uow: UnitOfWork, run_id: int, position: int, owner: str,
                 lease_seconds: float, clock: Callable[[], datetime]
                 ) -> tuple[int, list[int]] | None:
    with uow:
        session = uow.session
        now = clock()
        calculating = sa.exists().where(PayrollRun.id == run_id,
                                        PayrollRun.status == RunStatus.CALCULATING)
        claimed = cast(sa.CursorResult[Any], session.execute(
            sa.update(RunChunk)
            .where(RunChunk.run_id == run_id, RunChunk.position == position,
                   sa.or_(RunChunk.status == ChunkStatus.PENDING,
                          sa.and_(RunChunk.status == ChunkStatus.RUNNING,
                                  RunChunk.lease_expires_at < now)),
                   RunChunk.attempts < MAX_ATTEMPTS, calculating)
            .values(status=ChunkStatus.RUNNING, lease_owner=owner,
                    lease_expires_at=now + timedelta(seconds=lease_seconds),
                    attempts=RunChunk.attempts + 1, started_at=now)
            .execution_options(synchronize_session=False)))
        if claimed.rowcount != 1:
            return None
        row = session.execute(sa.select(RunChunk.id, RunChunk.employee_ids)
                              .where(RunChunk.run_id == run_id,
                                     RunChunk.position == position)).one()
        uow.commit()
    return int(row[0]), [int(i) for i in row[1]]


def _renew(uow: UnitOfWork, chunk_id: int, owner: str, lease_seconds: float,
           clock: Callable[[], datetime]) -> None:
    with uow:
        renewed = cast(sa.CursorResult[Any], uow.session.execute(
            sa.update(RunChunk)
            .where(RunChunk.id == chunk_id, RunChunk.lease_owner == owner,
                   RunChunk.status == ChunkStatus.RUNNING)
            .values(lease_expires_at=clock() + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)))
        uow.commit()
    if renewed.rowcount != 1:
        raise _LeaseLost


_compiled_cache: OrderedDict[tuple[int, str], tuple[PayrollSetup, CompiledPayroll]] = \
    OrderedDict()
_compiled_lock = threading.Lock()
_COMPILED_KEPT: Final = 8


def _compiled(run_id: int, snapshot: Mapping[str, Any]) -> tuple[PayrollSetup, CompiledPayroll]:
    """The run's stored setup, compiled once per process and calculation (the token)."""
    key = (run_id, str(snapshot.get("calculation", {}).get("token", "")))
    with _compiled_lock:
        hit = _compiled_cache.get(key)
        if hit is not None:
            _compiled_cache.move_to_end(key)
            return hit
    setup = setup_from_json(snapshot["setup"])
    value = (setup, compile_payroll(setup))
    with _compiled_lock:
        _compiled_cache[key] = value
        while len(_compiled_cache) > _COMPILED_KEPT:
            _compiled_cache.popitem(last=False)
    return value


def _compute_and_write(uow: UnitOfWork, run_id: int, position: int, chunk_id: int,
                       employee_ids: list[int], owner: str, lease_seconds: float,
                       clock: Callable[[], datetime]) -> ChunkResult:
    started = time.monotonic()
    with uow:
        session = uow.session
        row = session.execute(
            sa.select(PayrollRun.definition_id, PayrollRun.period_end, PayrollRun.snapshot)
            .where(PayrollRun.id == run_id)).one()
        definition_id, period_end, snapshot = row
        if not snapshot or "setup" not in snapshot:
            raise InvalidState(f"payroll run {run_id} has no setup snapshot to compute "
                               "its chunks with", run_id=run_id)
        setup, compiled = _compiled(run_id, snapshot)
        sources = load_employees(session, definition_id, setup, employee_ids)
    payslips: list[Payslip] = []
    renewed_at = time.monotonic()
    for offset in range(0, len(sources), SUB_BATCH):
        if time.monotonic() - renewed_at > lease_seconds / 3:
            _renew(uow, chunk_id, owner, lease_seconds, clock)
            renewed_at = time.monotonic()
        payslips.extend(_payslip(compiled.compute(source.employee), source, period_end)
                        for source in sources[offset:offset + SUB_BATCH])
    failed = sum(1 for slip in payslips if slip.status is PayslipStatus.ERROR)
    with uow:
        session = uow.session
        now = clock()
        done = cast(sa.CursorResult[Any], session.execute(
            sa.update(RunChunk)
            .where(RunChunk.id == chunk_id, RunChunk.status == ChunkStatus.RUNNING,
                   RunChunk.lease_owner == owner)
            .values(status=ChunkStatus.DONE, finished_at=now, lease_owner=None,
                    lease_expires_at=None, error=None, employees=len(payslips), failed=failed)
            .execution_options(synchronize_session=False)))
        if done.rowcount != 1:
            raise _LeaseLost
        delete_employee_results(session, run_id, employee_ids)
        write_payslips(session, run_id, sources, payslips)
        seconds = round(time.monotonic() - started, 3)
        add_event(session, run_id, "chunk.done",
                  f"Chunk {position + 1}: {len(payslips)} employees computed"
                  + (f", {failed} with errors" if failed else "") + f" in {seconds} s",
                  EventLevel.WARNING if failed else EventLevel.INFO, at=now,
                  position=position, employees=len(payslips), failed=failed,
                  milliseconds=int(seconds * 1000),
                  worker=owner.rsplit(":", 2)[0])
        uow.commit()
    return ChunkResult(run_id, position, "done", len(payslips), failed)


def _release_chunk(uow: UnitOfWork, chunk_id: int, owner: str, error: Exception) -> None:
    """Give the chunk back (pending, with the error) if we still own it; best effort: the
    database may be what failed, and then the lease expires instead."""
    message = f"{type(error).__name__}: {error}"[:2000]
    try:
        with uow:
            uow.session.execute(
                sa.update(RunChunk)
                .where(RunChunk.id == chunk_id, RunChunk.lease_owner == owner,
                       RunChunk.status == ChunkStatus.RUNNING)
                .values(status=ChunkStatus.PENDING, lease_owner=None, lease_expires_at=None,
                        error=message, enqueued_at=utcnow())
                .execution_options(synchronize_session=False))
            uow.commit()
    except sa.exc.SQLAlchemyError:
        log.warning("chunk %s: could not release the lease after %s; it expires instead",
                    chunk_id, message, exc_info=True)


# -- finishing --------------------------------------------------------------------------------

def requester_of(snapshot: Mapping[str, Any] | None) -> Actor:
    calculation = (snapshot or {}).get("calculation") or {}
    return Actor(str(calculation.get("requested_by") or "worker"), calculation.get("user_id"))


def try_finish(uow: UnitOfWork, run_id: int, *,
               clock: Callable[[], datetime] = utcnow) -> bool:
    """Flip a calculating run whose chunks are all done to ``generated`` — exactly once,
    whoever calls it — with its counts and totals summed from its results, the calculation
    token cleared and an audit entry. True for the caller that flipped it."""
    with uow:
        session = uow.session
        now = clock()
        # Read first, then flip with a condition on the run row only: a subquery on run_chunks
        # inside the UPDATE would take shared locks on MariaDB and deadlock with chunks being
        # written. The read is enough: every caller reads after committing its own chunk, so
        # the last chunk's caller sees them all done, and done chunks never change.
        states = set(session.execute(sa.select(RunChunk.status).distinct()
                                     .where(RunChunk.run_id == run_id)).scalars())
        if not states or states != {ChunkStatus.DONE}:
            return False
        flipped = cast(sa.CursorResult[Any], session.execute(
            sa.update(PayrollRun)
            .where(PayrollRun.id == run_id, PayrollRun.status == RunStatus.CALCULATING)
            .values(status=RunStatus.GENERATED, calculation_token=None, calculated_at=now,
                    error_message=None, version_id=PayrollRun.version_id + 1, updated_at=now)
            .execution_options(synchronize_session=False)))
        if flipped.rowcount != 1:
            return False
        counts, sums = _run_totals(session, run_id)
        snapshot = session.execute(sa.select(PayrollRun.snapshot)
                                   .where(PayrollRun.id == run_id)).scalar_one()
        session.execute(
            sa.update(PayrollRun).where(PayrollRun.id == run_id)
            .values(**counts, **sums, progress_done=counts["employees"],
                    progress_failed=counts["failed"])
            .execution_options(synchronize_session=False))
        started = ((snapshot or {}).get("calculation") or {}).get("started_at")
        seconds = (round((now - datetime.fromisoformat(started)).total_seconds(), 3)
                   if started else None)
        add_event(session, run_id, "run.generated",
                  f"Calculation finished: {counts['employees']} employees, "
                  f"{counts['failed']} with errors"
                  + (f", in {seconds} s" if seconds is not None else ""),
                  at=now, employees=counts["employees"], computed=counts["computed"],
                  excluded=counts["excluded"], failed=counts["failed"],
                  milliseconds=None if seconds is None else int(seconds * 1000))
        audit.record(session, requester_of(snapshot), "run.calculate", ENTITY, run_id,
                     before={"status": RunStatus.CALCULATING},
                     after={"status": RunStatus.GENERATED, "mode": "background", **counts,
                            **sums})
        uow.commit()
    return True


def _run_totals(session: Session, run_id: int) -> tuple[dict[str, int], dict[str, Decimal]]:
    """The run's counts by payslip status and the totals of its computed payslips, summed
    from its stored results. PostgreSQL and MariaDB sum the NUMERIC columns exactly, grouped
    by status (one row per status instead of one per employee: this runs while every worker
    waits for the run to finish); on SQLite, where Money is TEXT, the sums are in Python."""
    counts = dict.fromkeys(("employees", "computed", "excluded", "failed"), 0)
    sums = dict.fromkeys(TOTALS, ZERO)
    employees = m.RunEmployee
    columns = [employees.__table__.c[name] for name in TOTALS]
    rows: Sequence[Sequence[Any]]
    if session.get_bind().dialect.name == "sqlite":
        rows = [(status, 1, *amounts) for status, *amounts in session.execute(
            sa.select(employees.status, *columns).where(employees.run_id == run_id))]
    else:
        rows = session.execute(
            sa.select(employees.status, sa.func.count(),
                      *(sa.func.sum(column).label(column.name) for column in columns))
            .where(employees.run_id == run_id).group_by(employees.status)).all()
    for status, number, *amounts in rows:
        counts["employees"] += number
        if status == PayslipStatus.OK:
            counts["computed"] += number
            for name, amount in zip(TOTALS, amounts, strict=True):
                sums[name] += amount or ZERO
        elif status == PayslipStatus.EXCLUDED:
            counts["excluded"] += number
        else:
            counts["failed"] += number
    return counts, sums


# -- recovery ---------------------------------------------------------------------------------
