"""The worker's Dramatiq broker and middleware.

* **Retries** only for transient database errors (the server went away, a connection was
  dropped, the pool timed out, a deadlock or serialization failure): PAYROLL_MAX_RETRIES times
  with exponential backoff between PAYROLL_MIN_BACKOFF_MS and PAYROLL_MAX_BACKOFF_MS. Any other
  exception is a bug or bad data: it is logged and not retried (the chunk's lease is released
  and the reaper takes it up again, up to ``MAX_ATTEMPTS`` claims).
* **TimeLimit**: a message may run for :data:`TIME_LIMIT_MS` at most.
* **Lifecycle**: after a worker process boots, start its reaper and heartbeat threads; stop
  them when it shuts down.

The Redis broker is :class:`PromptRedisBroker`: each process holds at most one message per
worker thread (Dramatiq's default is two, which lets one process hoard chunks the other could
compute), and a thread that finishes a chunk gets the next one at once. Dramatiq's own consumer
sleeps with an exponential backoff — up to its worker timeout, 1 s — whenever its prefetch is
full, so with chunks of a few hundred milliseconds the threads of a process waited for
messages a third of the time or more; the prompt consumer waits on an event set by the ack
instead, and polls an empty queue every :data:`POLL_MS` at most.

Messages are never re-queued by Dramatiq's own maintenance in time to matter (it runs at
random); recovery relies on the chunk leases instead (docs/background.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Final, Protocol, cast

import dramatiq
import redis
import sqlalchemy as sa
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name
from dramatiq.middleware import Middleware, Retries, TimeLimit

from coati_payroll.queue import NAMESPACE, QUEUE_NAME
from coati_payroll.settings import Settings

__all__ = ["POLL_MS", "TIME_LIMIT_MS", "Lifecycle", "PromptRedisBroker", "build_broker",
           "is_transient"]

#: The longest a chunk message may run (a chunk normally takes well under a second).
TIME_LIMIT_MS: Final = 10 * 60 * 1000
#: The longest a worker process waits before looking at an empty queue again (Dramatiq's
#: default, its worker timeout, is 1 s): also the delay before a new run's first chunk.
POLL_MS: Final = 100
#: Seconds the broker's Redis client waits for an answer (a Redis outage must not hang).
REDIS_SOCKET_TIMEOUT: Final = 5.0


#: Dramatiq's Redis consumer is untyped: subclassed as Any.
_RedisConsumerBase: Any = _RedisConsumer


class _PromptConsumer(_RedisConsumerBase):  # type: ignore[misc]
    """Dramatiq's Redis consumer, except that when every prefetched message is being
    processed it waits for an ack (an event) instead of sleeping with a growing backoff."""

    def __init__(self, broker: RedisBroker, queue_name: str, prefetch: int,
                 timeout: int) -> None:
        super().__init__(broker, queue_name, prefetch, timeout)
        self._freed = threading.Event()

    def ack(self, message: dramatiq.MessageProxy) -> None:
        try:
            super().ack(message)
        finally:
            self._freed.set()

    def nack(self, message: dramatiq.MessageProxy) -> None:
        try:
            super().nack(message)
        finally:
            self._freed.set()

    def __next__(self) -> dramatiq.MessageProxy | None:
        self._freed.clear()  # before the check: an ack after it wakes the wait below
        if not self.message_cache and self.outstanding_message_count >= self.prefetch:
            self._freed.wait(self.timeout / 1000)
            return None  # the consumer thread checks for shutdown, then calls again
        message: dramatiq.MessageProxy | None = super().__next__()
        return message


class PromptRedisBroker(RedisBroker):
    """The Redis broker of a worker process: on the chunk queue, a prefetch of one message
    per worker thread and the prompt consumer (see the module docstring). Dramatiq asks for
    twice its thread count, which lets one process hoard chunks that another could run.
    (Dramatiq's ``dramatiq_queue_prefetch`` variable is not honoured here: configuration comes
    from Settings only.)"""

    def consume(self, queue_name: str, prefetch: int = 1,
                timeout: int = 5000) -> dramatiq.Consumer:
        if queue_name == dq_name(queue_name):  # the delay queue (retries): as Dramatiq does
            consumer: dramatiq.Consumer = super().consume(queue_name, prefetch, timeout)
            return consumer
        prefetch = max(1, prefetch // 2)
        return _PromptConsumer(self, queue_name, prefetch, min(timeout, POLL_MS))


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
    return make_worker_broker(settings.redis_url, namespace=namespace, middleware=chain)


def make_worker_broker(url: str, *, namespace: str = NAMESPACE,
                       middleware: Sequence[dramatiq.Middleware] = ()) -> PromptRedisBroker:
    """Like :func:`coati_payroll.queue.make_broker` (same namespace, queue and socket
    timeouts), with the worker's :class:`PromptRedisBroker`. Nothing connects yet."""
    client = redis.Redis.from_url(url, socket_timeout=REDIS_SOCKET_TIMEOUT,
                                  socket_connect_timeout=REDIS_SOCKET_TIMEOUT,
                                  health_check_interval=30)
    broker: PromptRedisBroker = cast(Any, PromptRedisBroker)(
        client=client, namespace=namespace, middleware=list(middleware))
    broker.declare_queue(QUEUE_NAME)
    return broker
