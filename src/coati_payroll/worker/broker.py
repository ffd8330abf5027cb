"""The worker's Dramatiq broker and middleware.

* **Retries** only for transient database errors (the server went away, a connection was
  dropped, the pool timed out, a deadlock or serialization failure): PAYROLL_MAX_RETRIES times
  with exponential backoff between PAYROLL_MIN_BACKOFF_MS and PAYROLL_MAX_BACKOFF_MS. Any other
  exception is a bug or bad data: it is logged and not retried (the chunk's lease is released
  and the reaper takes it up again, up to ``MAX_ATTEMPTS`` claims).
* **TimeLimit**: a message may run for :data:`TIME_LIMIT_MS` at most.
* **Lifecycle**: after a worker process boots, start its reaper and heartbeat threads; stop
  them when it shuts down.

Messages are never re-queued by Dramatiq's own maintenance in time to matter (it runs at
random); recovery relies on the chunk leases instead (docs/background.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Protocol

import dramatiq
import sqlalchemy as sa
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware, Retries, TimeLimit

from coati_payroll.queue import NAMESPACE, QUEUE_NAME, make_broker
from coati_payroll.settings import Settings

__all__ = ["TIME_LIMIT_MS", "Lifecycle", "build_broker", "is_transient"]

#: The longest a chunk message may run (a chunk normally takes well under a second).
TIME_LIMIT_MS: Final = 10 * 60 * 1000


class _Runtime(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def is_transient(error: BaseException) -> bool:
    """A database error worth retrying: the connection or server failed, not the data."""
    if isinstance(error, (sa.exc.OperationalError, sa.exc.TimeoutError,
                          sa.exc.InterfaceError)):
        return True
    return isinstance(error, sa.exc.DBAPIError) and bool(error.connection_invalidated)


def retry_when(max_retries: int) -> Callable[[int, BaseException], bool]:
    def should_retry(retries: int, error: BaseException) -> bool:
        return retries < max_retries and is_transient(error)

    return should_retry


class Lifecycle(Middleware):
    """Starts and stops the per-process threads of the runtime."""

    def __init__(self, runtime: _Runtime) -> None:
        self.runtime = runtime

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self.runtime.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self.runtime.stop()


def middleware(settings: Settings, runtime: _Runtime | None) -> list[Any]:
    chain: list[Any] = [
        TimeLimit(time_limit=TIME_LIMIT_MS),
        Retries(max_retries=settings.payroll_max_retries,
                min_backoff=settings.payroll_min_backoff_ms or 1,
                max_backoff=settings.payroll_max_backoff_ms or 1,
                retry_when=retry_when(settings.payroll_max_retries)),
    ]
    if runtime is not None:
        chain.append(Lifecycle(runtime))
    return chain


def build_broker(settings: Settings, runtime: _Runtime | None = None, *, stub: bool = False,
                 namespace: str = NAMESPACE) -> dramatiq.Broker:
    """The broker for a worker: a Redis broker on REDIS_URL, or a ``StubBroker`` for tests
    (``stub=True``). Raises ValueError when Redis is needed and REDIS_URL is not set."""
    chain = middleware(settings, runtime)
    if stub:
        broker = StubBroker(middleware=chain)
        broker.declare_queue(QUEUE_NAME)
        return broker
    if settings.redis_url is None:
        raise ValueError("the worker needs REDIS_URL (the queue of background payroll runs)")
    return make_broker(settings.redis_url, namespace=namespace, middleware=chain)
