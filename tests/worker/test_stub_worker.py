"""The worker in-process with Dramatiq's StubBroker (no Redis), on every database backend:
messages carry IDs only, any thread takes any chunk, the reaper thread recovers an abandoned
chunk, retries are only for transient database errors."""

from __future__ import annotations

import time
from datetime import timedelta

import dramatiq
import pytest
import sqlalchemy as sa
from background_support import REDIS_OK, assert_same_as_reference, queue_settings, reference
from runs_support import ACTOR, new_uow
from sqlalchemy.engine import Engine

from coati_payroll.db import models as m
from coati_payroll.db.engine import make_session_factory
from coati_payroll.db.models import ChunkStatus, RunStatus
from coati_payroll.db.types import utcnow
from coati_payroll.queue import QUEUE_NAME
from coati_payroll.services import background
from coati_payroll.services.run_dispatch import calculate_or_enqueue
from coati_payroll.services.runs import show_run
from coati_payroll.worker.broker import is_transient, retry_when
from coati_payroll.worker.runtime import WorkerRuntime


def start_worker(engine: Engine, threads: int = 4) -> tuple[WorkerRuntime, dramatiq.Worker]:
    settings = queue_settings(DRAMATIQ_WORKER_THREADS=str(threads))
    runtime = WorkerRuntime(settings, stub=True, session_factory=make_session_factory(engine),
                            reaper_interval=0.2)
    worker = dramatiq.Worker(runtime.broker, worker_threads=threads, worker_timeout=50)
    worker.start()  # emits worker_boot: the runtime starts its reaper thread
    return runtime, worker


def wait_generated(engine: Engine, run_id: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if show_run(new_uow(engine), run_id).status is not RunStatus.CALCULATING:
            return
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} still calculating after {seconds} s")


def test_a_run_goes_through_the_stub_broker_and_worker(engine: Engine) -> None:
    ref = reference(engine, 30)
    runtime, worker = start_worker(engine)
    try:
        outcome = calculate_or_enqueue(new_uow(engine), ACTOR, ref.run_id, runtime.settings,
                                       runtime.enqueue, REDIS_OK)
        assert outcome.mode == "background" and outcome.started is not None
        assert outcome.started.chunks == 8
        runtime.broker.join(QUEUE_NAME, fail_fast=True, timeout=30_000)
        worker.join()
        wait_generated(engine, ref.run_id)
    finally:
        worker.stop()
    assert_same_as_reference(engine, ref, ref.run_id)
    assert runtime.chunks_done == 8


def test_the_reaper_thread_recovers_an_abandoned_chunk(engine: Engine) -> None:
    ref = reference(engine, 30)
    runtime, worker = start_worker(engine)
    try:
        worker.pause()
        calculate_or_enqueue(new_uow(engine), ACTOR, ref.run_id, runtime.settings,
                             runtime.enqueue, REDIS_OK)
        # A killed worker held chunk 5: claimed, never finished, its message gone.
        claimed = background._claim_chunk(new_uow(engine), ref.run_id, 5, "dead:9:9:x", 30,
                                          lambda: utcnow() - timedelta(seconds=60))
        assert claimed is not None
        runtime.broker.flush(QUEUE_NAME)  # every message lost, as with a dead consumer
        with new_uow(engine) as uow:  # sent long ago: the run looks stalled
            uow.session.execute(sa.update(m.RunChunk).where(m.RunChunk.run_id == ref.run_id)
                                .values(enqueued_at=utcnow() - timedelta(minutes=5),
                                        started_at=None))
            uow.commit()
        worker.resume()
        wait_generated(engine, ref.run_id)
    finally:
        worker.stop()
    assert_same_as_reference(engine, ref, ref.run_id)
    with new_uow(engine) as uow:
        statuses = set(uow.session.execute(sa.select(m.RunChunk.status)
                                           .where(m.RunChunk.run_id == ref.run_id)).scalars())
    assert statuses == {ChunkStatus.DONE}


def test_only_transient_database_errors_are_retried() -> None:
    operational = sa.exc.OperationalError("SELECT 1", {}, Exception("server closed"))
    integrity = sa.exc.IntegrityError("INSERT", {}, Exception("duplicate"))
    assert is_transient(operational) and not is_transient(integrity)
    assert not is_transient(ValueError("bug"))
    should = retry_when(3)
    assert should(0, operational) and should(2, operational) and not should(3, operational)
    assert not should(0, integrity)


@pytest.mark.parametrize("database_server", ["sqlite"], indirect=True)
def test_the_actor_is_declared_by_name_on_the_queue(engine: Engine) -> None:
    runtime = WorkerRuntime(queue_settings(), stub=True,
                            session_factory=make_session_factory(engine))
    actor = runtime.broker.get_actor("process_run_chunk")
    assert actor.queue_name == QUEUE_NAME
    message = actor.message(12, 3)
    assert message.args == (12, 3) and len(message.encode()) < 300  # small: IDs only
