"""What one worker process holds: the settings, its database engine (created lazily, after
the fork), the broker and actor, and two daemon threads started when the process boots:

* the **reaper** — every :data:`REAPER_INTERVAL_SECONDS`, one
  :func:`~coati_payroll.services.background_recovery.reclaim_expired` pass (expired leases, lost
  messages, runs left unfinished). Every process runs one; the passes are safe to overlap.
* the **heartbeat** — every :data:`HEARTBEAT_INTERVAL_SECONDS`, the process's key in Redis
  (``coati-payroll:workers:<host>:<pid>``, expiring after 30 s) that the web shows.

Errors in these threads (Redis or the database away) are logged and the loop goes on.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any, Final

import redis
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from coati_payroll.db.engine import make_engine, make_session_factory
from coati_payroll.queue import (
    NAMESPACE,
    QueueUnavailable,
    redis_client,
    remove_heartbeat,
    write_heartbeat,
)
from coati_payroll.services.background import REAPER_INTERVAL_SECONDS, ChunkResult
from coati_payroll.services.background_recovery import Reclaimed, reclaim_expired
from coati_payroll.services.uow import UnitOfWork
from coati_payroll.settings import Settings, mask_url
from coati_payroll.worker.actors import declare_actors
from coati_payroll.worker.broker import build_broker

__all__ = ["HEARTBEAT_INTERVAL_SECONDS", "WorkerRuntime"]

log = logging.getLogger("coati_payroll.worker")

HEARTBEAT_INTERVAL_SECONDS: Final = 10


class WorkerRuntime:
    """Build with the settings; ``stub=True`` uses Dramatiq's in-memory StubBroker (tests).
    ``session_factory`` replaces the engine built from DATABASE_URL (tests)."""

    def __init__(self, settings: Settings, *, stub: bool = False, namespace: str = NAMESPACE,
                 session_factory: sessionmaker[Session] | None = None,
                 reaper_interval: float = REAPER_INTERVAL_SECONDS,
                 heartbeat_interval: float = HEARTBEAT_INTERVAL_SECONDS) -> None:
        self.settings = settings
        self.namespace = namespace
        self.stub = stub
        self.reaper_interval = reaper_interval
        self.heartbeat_interval = heartbeat_interval
        self._sessions = session_factory
        self._sessions_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._count_lock = threading.Lock()
        self.chunks_done = 0
        self.started_at = time.time()
        self.broker = build_broker(settings, self, stub=stub, namespace=namespace)
        self.actor = declare_actors(self.broker, self)

    # -- used by the actor ----------------------------------------------------------------

    def new_uow(self) -> UnitOfWork:
        if self._sessions is None:
            with self._sessions_lock:
                if self._sessions is None:
                    threads = self.settings.dramatiq_worker_threads
                    options: dict[str, Any] = {}
                    if not self.settings.database_url.startswith("sqlite"):
                        options = {"pool_size": threads + 2, "max_overflow": 4}
                    self._sessions = make_session_factory(
                        make_engine(self.settings.database_url, **options))
        return UnitOfWork(self._sessions)

    def chunk_processed(self, result: ChunkResult) -> None:
        if result.outcome == "done":
            with self._count_lock:
                self.chunks_done += 1
        if result.finished:
            log.info("run %s generated (last chunk: %s)", result.run_id, result.position)

    def enqueue(self, run_id: int, position: int) -> None:
        try:
            self.actor.send(run_id, position)
        except redis.RedisError as error:
            raise QueueUnavailable(f"Redis did not take chunk {position} of run {run_id}: "
                                   f"{type(error).__name__}: {error}") from error

    # -- threads --------------------------------------------------------------------------

    def reap_once(self) -> Reclaimed:
        report = reclaim_expired(self.new_uow(), self.enqueue)
        if report.requeued or report.failed_runs or report.finished_runs:
            log.warning("reaper: re-sent %d expired and %d stalled chunks; failed runs %s; "
                        "finished runs %s", len(report.expired), len(report.stalled),
                        report.failed_runs, report.finished_runs)
        return report

    def _loop(self, name: str, interval: float, step: Callable[[], object]) -> None:
        while not self._stop.is_set():
            try:
                step()
            except (sa.exc.SQLAlchemyError, redis.RedisError, QueueUnavailable) as error:
                log.warning("%s: %s: %s (retrying in %s s)", name, type(error).__name__, error,
                            interval)
            self._stop.wait(interval)

    def _beat(self) -> None:
        if self._redis is None:
            return
        write_heartbeat(self._redis, self.namespace, pid=os.getpid(),
                        threads=self.settings.dramatiq_worker_threads,
                        started_at=self.started_at, chunks_done=self.chunks_done)

    def start(self) -> None:
        """Start the reaper and (with Redis) the heartbeat threads of this process."""
        self._stop.clear()
        self._redis = (None if self.stub or self.settings.redis_url is None
                       else redis_client(self.settings.redis_url))
        loops: list[tuple[str, float, Callable[[], object]]] = [
            ("reaper", self.reaper_interval, self.reap_once)]
        if self._redis is not None:
            loops.append(("heartbeat", self.heartbeat_interval, self._beat))
        for name, interval, step in loops:
            thread = threading.Thread(target=self._loop, args=(name, interval, step),
                                      name=f"coati-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("worker process %s started (%d threads, Redis %s)", os.getpid(),
                 self.settings.dramatiq_worker_threads,
                 mask_url(self.settings.redis_url or "none"))

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        if self._redis is not None:
            try:
                remove_heartbeat(self._redis, self.namespace, os.getpid())
            except redis.RedisError:
                log.warning("could not remove the heartbeat key", exc_info=True)
            self._redis.close()
            self._redis = None

    _redis: redis.Redis | None = None
