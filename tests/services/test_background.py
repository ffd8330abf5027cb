"""Background runs at the service level (no Redis: a fake transport records the messages):
the decision, chunks idempotent and in any order, exactly one finish, results identical to a
synchronous run, leases that expire and are reclaimed, lost messages re-sent, cancel, resume,
and the synchronous fallback when Redis refuses the work."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from background_support import (
    FAILING,
    REDIS_OK,
    Queue,
    assert_same_as_reference,
    queue_settings,
    reference,
)
from runs_support import ACTOR, new_uow
from sqlalchemy.engine import Engine

from coati_payroll.db import models as m
from coati_payroll.db.models import ChunkStatus, RunStatus
from coati_payroll.db.types import utcnow
from coati_payroll.queue import QueueUnavailable
from coati_payroll.services import background
from coati_payroll.services.background import (
    LEASE_SECONDS,
    MAX_ATTEMPTS,
    STALL_SECONDS,
    decide,
    process_chunk,
    start_background,
)
from coati_payroll.services.background_recovery import cancel, reclaim_expired, resume
from coati_payroll.services.errors import Conflict, InvalidState
from coati_payroll.services.run_dispatch import calculate_or_enqueue
from coati_payroll.services.run_progress import progress
from coati_payroll.services.runs import calculate_run, show_run

N = 14  # employees: chunks of 4 → 4 chunks


def chunks(engine: Engine, run_id: int) -> list[tuple[int, str, int]]:
    with new_uow(engine) as uow:
        return [(p, ChunkStatus(s).value, a) for p, s, a in uow.session.execute(
            sa.select(m.RunChunk.position, m.RunChunk.status, m.RunChunk.attempts)
            .where(m.RunChunk.run_id == run_id).order_by(m.RunChunk.position))]


# -- the decision -----------------------------------------------------------------------------

def test_decide_gives_every_reason() -> None:
    probed: list[str] = []

    def down(url: str) -> str:
        probed.append(url)
        return "ConnectionError: refused"

    off = decide(queue_settings(QUEUE_ENABLED="0"), 500, down)
    assert (off.background, off.reason_code) == (False, "queue_disabled")
    no_redis = decide(queue_settings(QUEUE_ENABLED="", REDIS_URL=""), 500, down)
    assert no_redis.reason_code == "queue_disabled"
    small = decide(queue_settings(BACKGROUND_PAYROLL_THRESHOLD="100"), 100, down)
    assert (small.background, small.reason_code) == (False, "below_threshold")
    assert "100 employees, not more than the background threshold of 100" in small.reason_text
    assert small.params == {"employees": 100, "threshold": 100}
    assert probed == []  # Redis is not probed when the run is small or the queue is off
    unreachable = decide(queue_settings(BACKGROUND_PAYROLL_THRESHOLD="100"), 101, down)
    assert (unreachable.background, unreachable.reason_code) == (False, "redis_unreachable")
    assert "redis://:********@127.0.0.1:1/0" in unreachable.reason_text
    assert "secret" not in unreachable.reason_text
    assert probed == ["redis://:secret@127.0.0.1:1/0"]
    go = decide(queue_settings(BACKGROUND_PAYROLL_THRESHOLD="100"), 101, REDIS_OK)
    assert (go.background, go.reason_code) == (True, "background")


# -- chunks -----------------------------------------------------------------------------------

def test_chunks_in_any_order_and_twice_give_the_synchronous_results(engine: Engine) -> None:
    ref = reference(engine, N)
    queue = Queue()
    started = start_background(new_uow(engine), ACTOR, ref.run_id, 4, queue.enqueue)
    assert (started.employees, started.chunks, started.sent) == (N, 4, 4)
    assert show_run(new_uow(engine), ref.run_id).status is RunStatus.CALCULATING
    outcomes = queue.drain(engine, shuffle=7, twice=True)
    assert outcomes.count("finished") == 1  # generated exactly once
    assert outcomes.count("done") == 3
    assert outcomes.count("skipped") == 4  # the redelivered messages do nothing
    assert show_run(new_uow(engine), ref.run_id).status is RunStatus.GENERATED
    assert_same_as_reference(engine, ref, ref.run_id)
    with new_uow(engine) as uow:
        run = uow.session.get(m.PayrollRun, ref.run_id)
        assert run is not None and run.calculation_token is None
        assert (run.progress_total, run.progress_done, run.progress_failed) == (N, N, 1)
        finishes = uow.session.execute(
            sa.select(sa.func.count()).select_from(m.AuditEntry)
            .where(m.AuditEntry.action == "run.calculate",
                   m.AuditEntry.entity_id == str(ref.run_id))).scalar_one()
        assert finishes == 1
        report = progress(uow.session, ref.run_id)
    assert report["status"] == "generated" and report["mode"] == "background"
    assert (report["total"], report["done"], report["failed"], report["percent"]) == (N, N, 1, 100)
    assert report["chunks"] == {"total": 4, "pending": 0, "running": 0, "done": 4,
                                "cancelled": 0}
    [failure] = report["failed_employees"]
    assert failure["code"] == f"E{FAILING:03d}" and failure["reason_code"] == "missing_salary"
    codes = [event["code"] for event in report["events"]]
    assert codes[0] == "background.started" and codes[-1] == "run.generated"
    assert codes.count("chunk.done") == 4


def test_a_chunk_processed_again_after_a_reset_replaces_its_rows(engine: Engine) -> None:
    ref = reference(engine, N)
    queue = Queue()
    start_background(new_uow(engine), ACTOR, ref.run_id, 4, queue.enqueue)
    queue.drain(engine)
    with new_uow(engine) as uow:  # as if the run had been generated but chunk 1 lost its mark
        uow.session.execute(sa.update(m.PayrollRun).where(m.PayrollRun.id == ref.run_id)
                            .values(status=RunStatus.CALCULATING, calculation_token="x"))
        uow.session.execute(sa.update(m.RunChunk).where(m.RunChunk.run_id == ref.run_id,
                                                        m.RunChunk.position == 1)
                            .values(status=ChunkStatus.PENDING))
        uow.commit()
    result = process_chunk(new_uow(engine), ref.run_id, 1)
    assert (result.outcome, result.finished) == ("done", True)
    assert_same_as_reference(engine, ref, ref.run_id)


def test_progress_counts_as_chunks_land(engine: Engine) -> None:
    ref = reference(engine, N)
    queue = Queue()
    start_background(new_uow(engine), ACTOR, ref.run_id, 4, queue.enqueue)
    process_chunk(new_uow(engine), ref.run_id, 0)  # employees 0..3: E003 fails
    with new_uow(engine) as uow:
        report = progress(uow.session, ref.run_id)
    assert (report["status"], report["finished"]) == ("calculating", False)
    assert (report["total"], report["done"], report["failed"], report["percent"]) == (N, 4, 1, 28)
    assert report["chunks"]["done"] == 1 and report["chunks"]["pending"] == 3
    assert report["failed_employees"][0]["reason_code"] == "missing_salary"


def test_a_second_calculation_of_a_calculating_run_is_refused(engine: Engine) -> None:
    ref = reference(engine, N)
    start_background(new_uow(engine), ACTOR, ref.run_id, 4, Queue().enqueue)
    with pytest.raises(Conflict):
        start_background(new_uow(engine), ACTOR, ref.run_id, 4, Queue().enqueue)
    with pytest.raises(Conflict):
        calculate_run(new_uow(engine), ACTOR, ref.run_id)


# -- leases and lost messages -----------------------------------------------------------------

def test_an_expired_lease_is_reclaimed_and_the_run_finishes(engine: Engine) -> None:
    ref = reference(engine, N)
    queue = Queue()
    start_background(new_uow(engine), ACTOR, ref.run_id, 4, queue.enqueue)
    queue.messages.clear()
    # A worker claims chunk 2 and is killed (kill -9): the chunk stays running, leased.
    assert background._claim_chunk(new_uow(engine), ref.run_id, 2, "dead:1:1:x",
                                   LEASE_SECONDS, utcnow) is not None
    for position in (0, 1, 3):
        process_chunk(new_uow(engine), ref.run_id, position)
    assert process_chunk(new_uow(engine), ref.run_id, 2).outcome == "skipped"  # leased
    assert reclaim_expired(new_uow(engine), queue.enqueue).requeued == []
    later = utcnow() + timedelta(seconds=LEASE_SECONDS + 1)
    report = reclaim_expired(new_uow(engine), queue.enqueue, now=later)
    assert report.expired == [(ref.run_id, 2)] and queue.messages == [(ref.run_id, 2)]
    assert queue.drain(engine) == ["finished"]
    assert_same_as_reference(engine, ref, ref.run_id)
    with new_uow(engine) as uow:
        codes = [e["code"] for e in progress(uow.session, ref.run_id)["events"]]
    assert "chunk.requeued" in codes


def test_a_worker_whose_lease_was_taken_writes_nothing(engine: Engine) -> None:
    ref = reference(engine, N)
    queue = Queue()
    start_background(new_uow(engine), ACTOR, ref.run_id, 4, queue.enqueue)
    claimed = background._claim_chunk(new_uow(engine), ref.run_id, 0, "slow:1:1:x",
                                      LEASE_SECONDS, utcnow)
    assert claimed is not None
    later = utcnow() + timedelta(seconds=LEASE_SECONDS + 1)
    reclaim_expired(new_uow(engine), queue.enqueue, now=later)
    queue.drain(engine)  # another worker computes every chunk, chunk 0 included
    with pytest.raises(background._LeaseLost):
        background._compute_and_write(new_uow(engine), ref.run_id, 0, claimed[0], claimed[1],
                                      "slow:1:1:x", LEASE_SECONDS, utcnow)
    assert_same_as_reference(engine, ref, ref.run_id)


def test_lost_messages_of_a_stalled_run_are_sent_again(engine: Engine) -> None:
    ref = reference(engine, N)
    queue = Queue()
    start_background(new_uow(engine), ACTOR, ref.run_id, 4, queue.enqueue)
    queue.messages.clear()  # prefetched by a worker that was killed: never delivered
    assert reclaim_expired(new_uow(engine), queue.enqueue).stalled == []  # too early
    later = utcnow() + timedelta(seconds=STALL_SECONDS + 1)
    report = reclaim_expired(new_uow(engine), queue.enqueue, now=later)
    assert sorted(report.stalled) == [(ref.run_id, p) for p in range(4)]
    assert reclaim_expired(new_uow(engine), queue.enqueue, now=later).stalled == []  # once
    queue.drain(engine)
    assert_same_as_reference(engine, ref, ref.run_id)


def test_a_run_whose_chunks_are_done_is_finished_by_the_reaper(engine: Engine) -> None:
    ref = reference(engine, N)
    queue = Queue()
    start_background(new_uow(engine), ACTOR, ref.run_id, 4, queue.enqueue)
    for position in range(4):  # the chunks land, but each worker dies before finishing
        claimed = background._claim_chunk(new_uow(engine), ref.run_id, position, "w:1:1:x",
                                          LEASE_SECONDS, utcnow)
        assert claimed is not None
        background._compute_and_write(new_uow(engine), ref.run_id, position, claimed[0],
                                      claimed[1], "w:1:1:x", LEASE_SECONDS, utcnow)
    assert show_run(new_uow(engine), ref.run_id).status is RunStatus.CALCULATING
    assert reclaim_expired(new_uow(engine), Queue().enqueue).finished_runs == [ref.run_id]
    assert_same_as_reference(engine, ref, ref.run_id)


def test_a_chunk_that_keeps_failing_puts_the_run_in_error(engine: Engine) -> None:
    ref = reference(engine, N)
    start_background(new_uow(engine), ACTOR, ref.run_id, 4, Queue().enqueue)
    with new_uow(engine) as uow:
        uow.session.execute(sa.update(m.RunChunk).where(m.RunChunk.run_id == ref.run_id,
                                                        m.RunChunk.position == 1)
                            .values(attempts=MAX_ATTEMPTS))
        uow.commit()
    assert process_chunk(new_uow(engine), ref.run_id, 1).outcome == "skipped"
    report = reclaim_expired(new_uow(engine), Queue().enqueue)
    assert report.failed_runs == [ref.run_id]
    summary = show_run(new_uow(engine), ref.run_id)
    assert summary.status is RunStatus.ERROR and "chunk 2 failed" in (summary.error_message or "")
    assert process_chunk(new_uow(engine), ref.run_id, 0).outcome == "skipped"
    assert calculate_run(new_uow(engine), ACTOR, ref.run_id).status is RunStatus.GENERATED


# -- cancel and resume ------------------------------------------------------------------------

def test_cancel_stops_the_run_cleanly(engine: Engine) -> None:
    ref = reference(engine, N)
    queue = Queue()
    start_background(new_uow(engine), ACTOR, ref.run_id, 4, queue.enqueue)
    process_chunk(new_uow(engine), ref.run_id, 0)
    cancel(new_uow(engine), ACTOR, ref.run_id)
    summary = show_run(new_uow(engine), ref.run_id)
    assert summary.status is RunStatus.DRAFT and summary.employees == 0
    assert [s for _, s, _ in chunks(engine, ref.run_id)] == ["done"] + ["cancelled"] * 3
    assert queue.drain(engine) == ["skipped"] * 4  # messages still queued do nothing
    with new_uow(engine) as uow:
        assert uow.session.execute(sa.select(sa.func.count()).select_from(m.RunEmployee)
                                   .where(m.RunEmployee.run_id == ref.run_id)).scalar_one() == 0
        assert progress(uow.session, ref.run_id)["events"][-1]["code"] == "run.cancelled"
    with pytest.raises(InvalidState):
        cancel(new_uow(engine), ACTOR, ref.run_id)
    start_background(new_uow(engine), ACTOR, ref.run_id, 5, queue.enqueue)  # again, fresh
    assert [p for p, _, _ in chunks(engine, ref.run_id)] == [0, 1, 2]
    queue.drain(engine, shuffle=3)
    assert_same_as_reference(engine, ref, ref.run_id)


def test_resume_sends_what_is_missing(engine: Engine) -> None:
    ref = reference(engine, N)
    sent: list[tuple[int, int]] = []

    def flaky(run_id: int, position: int) -> None:  # Redis goes away after one message
        if sent:
            raise QueueUnavailable("Redis at redis://127.0.0.1:1/0 went away")
        sent.append((run_id, position))

    started = start_background(new_uow(engine), ACTOR, ref.run_id, 4, flaky)
    assert (started.chunks, started.sent) == (4, 1)
    process_chunk(new_uow(engine), ref.run_id, 0)
    queue = Queue()
    assert resume(new_uow(engine), ACTOR, ref.run_id, queue.enqueue) == 3
    assert queue.messages == [(ref.run_id, p) for p in (1, 2, 3)]
    queue.drain(engine)
    assert_same_as_reference(engine, ref, ref.run_id)
    with pytest.raises(InvalidState):
        resume(new_uow(engine), ACTOR, ref.run_id, queue.enqueue)


def test_resume_refuses_a_synchronous_calculation(engine: Engine) -> None:
    ref = reference(engine, N)
    with new_uow(engine) as uow:  # a web process died in the middle of a synchronous run
        uow.session.execute(sa.update(m.PayrollRun).where(m.PayrollRun.id == ref.run_id)
                            .values(status=RunStatus.CALCULATING, calculation_token="t"))
        uow.commit()
    with pytest.raises(InvalidState, match="cancel it"):
        resume(new_uow(engine), ACTOR, ref.run_id, Queue().enqueue)
    cancel(new_uow(engine), ACTOR, ref.run_id)
    assert calculate_run(new_uow(engine), ACTOR, ref.run_id).status is RunStatus.GENERATED


# -- the entry point --------------------------------------------------------------------------

def test_calculate_or_enqueue_goes_to_the_background(engine: Engine) -> None:
    ref = reference(engine, N)
    queue = Queue()
    outcome = calculate_or_enqueue(new_uow(engine), ACTOR, ref.run_id, queue_settings(),
                                   queue.enqueue, REDIS_OK)
    assert outcome.mode == "background" and outcome.started is not None
    assert outcome.started.chunks == 4  # PAYROLL_CHUNK_SIZE=4
    queue.drain(engine)
    assert_same_as_reference(engine, ref, ref.run_id)


@pytest.mark.parametrize(("overrides", "probe_result", "reason"), [
    ({"QUEUE_ENABLED": "0"}, None, "queue_disabled"),
    ({"BACKGROUND_PAYROLL_THRESHOLD": str(N)}, None, "below_threshold"),
    ({}, "ConnectionError: refused", "redis_unreachable"),
])
def test_calculate_or_enqueue_falls_back_to_synchronous(
        engine: Engine, overrides: dict[str, str], probe_result: str | None,
        reason: str) -> None:
    ref = reference(engine, N)
    queue = Queue()
    outcome = calculate_or_enqueue(new_uow(engine), ACTOR, ref.run_id,
                                   queue_settings(**overrides), queue.enqueue,
                                   lambda url: probe_result)
    assert (outcome.mode, outcome.decision.reason_code) == ("synchronous", reason)
    assert outcome.summary is not None and outcome.summary.status is RunStatus.GENERATED
    assert queue.messages == []
    assert_same_as_reference(engine, ref, ref.run_id)
    with new_uow(engine) as uow:
        report = progress(uow.session, ref.run_id)
    assert report["mode"] == "synchronous"
    assert report["events"][-1]["code"] == f"synchronous.{reason}"


def test_redis_refusing_the_first_message_falls_back_to_synchronous(engine: Engine) -> None:
    ref = reference(engine, N)

    def refused(run_id: int, position: int) -> None:
        raise QueueUnavailable("Redis at redis://127.0.0.1:1/0: ConnectionError")

    outcome = calculate_or_enqueue(new_uow(engine), ACTOR, ref.run_id, queue_settings(),
                                   refused, REDIS_OK)
    assert (outcome.mode, outcome.decision.reason_code) == ("synchronous", "redis_unreachable")
    assert chunks(engine, ref.run_id) == []
    assert_same_as_reference(engine, ref, ref.run_id)


def test_recalculate_in_the_background_reuses_the_setup(engine: Engine) -> None:
    ref = reference(engine, N)
    queue = Queue()
    start_background(new_uow(engine), ACTOR, ref.run_id, 4, queue.enqueue)
    queue.drain(engine)
    with new_uow(engine) as uow:  # a concept changes after the calculation
        uow.session.execute(sa.update(m.ConceptVersion).values(formula="gross * 50%")
                            .where(m.ConceptVersion.concept_id.in_(
                                sa.select(m.Concept.id).where(m.Concept.code == "SS"))))
        uow.commit()
    outcome = calculate_or_enqueue(new_uow(engine), ACTOR, ref.run_id, queue_settings(),
                                   queue.enqueue, REDIS_OK, recalculate=True)
    assert outcome.mode == "background"
    queue.drain(engine, shuffle=1)
    assert_same_as_reference(engine, ref, ref.run_id)  # the stored setup, not the new one
