"""A real ``dramatiq`` worker on real Redis and PostgreSQL, killed with SIGKILL in the middle
of a run and started again: the run finishes within 60 s with results identical to a
synchronous run of the same data (leases expire and are reclaimed; Dramatiq's own
redelivery is not relied on)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from background_support import REDIS_OK, assert_same_as_reference, queue_settings, reference
from redis_support import WorkerGroup, dramatiq_command, free_redis_database, wait_until
from runs_support import ACTOR, new_uow
from sqlalchemy.engine import Engine

from coati_payroll.db.models import RunStatus
from coati_payroll.queue import QueueClient
from coati_payroll.services.run_dispatch import calculate_or_enqueue
from coati_payroll.services.run_progress import progress
from coati_payroll.services.runs import show_run

RECOVERY_LIMIT_SECONDS = 60


def _progress(engine: Engine, run_id: int) -> dict[str, Any]:
    with new_uow(engine) as uow:
        return progress(uow.session, run_id)


def _mid_run(report: dict[str, Any]) -> bool:
    return bool(report["chunks"]["done"] >= 3 and report["chunks"]["running"] >= 1)


@pytest.mark.slow
@pytest.mark.parametrize("database_server", ["postgresql"], indirect=True)
def test_a_worker_killed_mid_run_is_recovered(engine: Engine, db_url: str,
                                               tmp_path: Path) -> None:
    ref = reference(engine, 1200)
    with free_redis_database() as redis_url:
        env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url,
               "QUEUE_ENABLED": "1", "BACKGROUND_PAYROLL_THRESHOLD": "100",
               "PAYROLL_CHUNK_SIZE": "20", "DRAMATIQ_WORKER_THREADS": "2",
               "DRAMATIQ_WORKER_PROCESSES": "1", "ENVIRONMENT": "test", "LOG_LEVEL": "INFO"}
        settings = queue_settings(REDIS_URL=redis_url, PAYROLL_CHUNK_SIZE="20",
                                  BACKGROUND_PAYROLL_THRESHOLD="100")
        client = QueueClient(redis_url)
        workers = WorkerGroup(dramatiq_command(1, 2), env, tmp_path / "worker.log")
        try:
            workers.start()
            wait_until(lambda: client.status().workers_alive >= 1, 60, "worker heartbeat")
            outcome = calculate_or_enqueue(new_uow(engine), ACTOR, ref.run_id, settings,
                                           client.enqueue_chunk, REDIS_OK)
            assert outcome.mode == "background" and outcome.started is not None
            assert outcome.started.chunks == 60
            wait_until(lambda: _mid_run(_progress(engine, ref.run_id)), 60,
                       "first chunks done while others run", step=0.01)
            workers.kill()
            killed = _progress(engine, ref.run_id)
            assert killed["status"] == "calculating", "the run finished before the kill"
            # Usually a chunk is caught mid-flight (its lease must expire); when the kill lands
            # between two chunks only pending ones are left: recovery must work for both.
            assert killed["chunks"]["running"] + killed["chunks"]["pending"] >= 1
            restarted = time.monotonic()
            workers.start()
            wait_until(lambda: show_run(new_uow(engine), ref.run_id).status
                       is not RunStatus.CALCULATING, RECOVERY_LIMIT_SECONDS + 5,
                       "run generated after the restart", step=0.2)
            recovery = time.monotonic() - restarted
            print(f"recovered {recovery:.1f} s after the restart")
            assert recovery <= RECOVERY_LIMIT_SECONDS
        finally:
            workers.stop()
            client.close()
    assert_same_as_reference(engine, ref, ref.run_id)
    codes = [event["code"] for event in _progress(engine, ref.run_id)["events"]]
    if killed["chunks"]["running"]:  # a lease was held by the dead worker: it was reclaimed
        assert "chunk.requeued" in codes
