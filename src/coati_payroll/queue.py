"""The Redis side of background runs, shared by the web application, the worker and
``payrollctl``: sending chunk messages, probing Redis, and the worker heartbeat.

It is an adapter (like ``db``): the entry points import it, services never do (they receive
an ``enqueue`` callable and a ``probe``), so that the service layer is tested without Redis.

* :class:`QueueClient` — ``enqueue_chunk(run_id, position)`` sends the one small message a
  chunk needs (two integers) to the Dramatiq queue :data:`QUEUE_NAME` by actor name; the web
  process never imports the actors. ``probe()`` pings Redis (2 s timeout) and returns None or
  why it is unreachable, with the URL's password masked. ``status()`` reads the heartbeat of
  the workers and the queue depth for the web page.
* :func:`make_broker` — the Dramatiq Redis broker both sides use (same namespace, so the web
  and the workers meet); the worker adds its middleware.
* :func:`write_heartbeat` — what a worker process writes every few seconds:
  ``<namespace>:workers:<host>:<pid>`` with a TTL of :data:`HEARTBEAT_TTL_SECONDS`, so a dead
  worker disappears from the list by itself.

Redis outages never raise out of :meth:`QueueClient.probe` or :meth:`QueueClient.status`;
:meth:`QueueClient.enqueue_chunk` raises :class:`QueueUnavailable`.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, cast

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker

from coati_payroll.settings import Settings, mask_url

__all__ = [
    "ACTOR_NAME",
    "HEARTBEAT_TTL_SECONDS",
    "NAMESPACE",
    "QUEUE_NAME",
    "QueueClient",
    "QueueStatus",
    "QueueUnavailable",
    "WorkerBeat",
    "make_broker",
    "probe_redis",
    "write_heartbeat",
]

#: Redis key prefix of everything Coati Payroll keeps in Redis for the queue.
NAMESPACE: Final = "coati-payroll"
#: The Dramatiq queue of chunk messages.
QUEUE_NAME: Final = "payroll"
#: The actor that computes one chunk (declared in ``coati_payroll.worker.actors``).
ACTOR_NAME: Final = "process_run_chunk"
HEARTBEAT_TTL_SECONDS: Final = 30
REDIS_TIMEOUT_SECONDS: Final = 2.0


class QueueUnavailable(RuntimeError):
    """Redis refused or did not answer; the message names the masked URL."""


def _client(url: str, timeout: float = REDIS_TIMEOUT_SECONDS) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                health_check_interval=30)


def probe_redis(url: str, timeout: float = REDIS_TIMEOUT_SECONDS) -> str | None:
    """None when Redis at ``url`` answers PING within ``timeout`` seconds, else why not
    (``"redis://:********@host:6379/0: ConnectionError: …"``)."""
    client = _client(url, timeout)
    try:
        client.ping()
    except redis.RedisError as error:
        return f"{mask_url(url)}: {type(error).__name__}: {error}"
    finally:
        client.close()
    return None


def make_broker(url: str, *, namespace: str = NAMESPACE,
                middleware: Sequence[dramatiq.Middleware] = ()) -> RedisBroker:
    """A Dramatiq Redis broker on ``url`` in ``namespace`` with exactly ``middleware``.
    Socket timeouts keep a Redis outage from hanging a web request. Nothing connects yet."""
    broker: RedisBroker = cast(Any, RedisBroker)(
        client=_client(url, 5.0), namespace=namespace, middleware=list(middleware))
    broker.declare_queue(QUEUE_NAME)
    return broker


@dataclass(frozen=True, slots=True)
class WorkerBeat:
    """One live worker process, as its last heartbeat said."""

    host: str
    pid: int
    threads: int
    started_at: float
    beat_at: float
    chunks_done: int

    def as_dict(self) -> dict[str, Any]:
        return {"host": self.host, "pid": self.pid, "threads": self.threads,
                "started_at": self.started_at, "beat_at": self.beat_at,
                "chunks_done": self.chunks_done}


@dataclass(frozen=True, slots=True)
class QueueStatus:
    """What the web shows about the background side. ``reachable`` False: Redis did not
    answer (``problem`` says why) and the other numbers are 0."""

    reachable: bool
    workers: tuple[WorkerBeat, ...] = ()
    queued: int = 0  #: messages waiting (ready or delayed for a retry)
    unacked: int = 0  #: messages sent and not yet acknowledged (queued or being processed)
    problem: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def workers_alive(self) -> int:
        return len(self.workers)

    def as_dict(self) -> dict[str, Any]:
        return {"reachable": self.reachable, "workers_alive": self.workers_alive,
                "workers": [w.as_dict() for w in self.workers], "queued": self.queued,
                "unacked": self.unacked, "problem": self.problem}


class QueueClient:
    """The queue as the web and ``payrollctl`` see it. Cheap to build; connects on use.

    ``namespace`` is for tests that share one Redis; every process of an installation
    uses the default."""

    def __init__(self, url: str, *, namespace: str = NAMESPACE) -> None:
        self.url = url
        self.namespace = namespace
        self._broker: RedisBroker | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> QueueClient | None:
        """A client when the queue is enabled and REDIS_URL set, else None."""
        if not settings.queue_enabled or settings.redis_url is None:
            return None
        return cls(settings.redis_url)

    def probe(self) -> str | None:
        return probe_redis(self.url)

    def enqueue_chunk(self, run_id: int, position: int) -> None:
        """Send the message for chunk ``position`` of run ``run_id``.
        Raises :class:`QueueUnavailable` when Redis cannot take it."""
        if self._broker is None:
            self._broker = make_broker(self.url, namespace=self.namespace)
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name=QUEUE_NAME, actor_name=ACTOR_NAME, args=(run_id, position), kwargs={},
            options={})
        try:
            self._broker.enqueue(message)
        except redis.RedisError as error:
            raise QueueUnavailable(
                f"Redis at {mask_url(self.url)} did not take the message for chunk "
                f"{position} of run {run_id}: {type(error).__name__}: {error}") from error

    def status(self) -> QueueStatus:
        """Live workers (from their heartbeats) and queue depth; never raises for Redis."""
        client = _client(self.url)
        queue = f"{self.namespace}:{QUEUE_NAME}"
        try:
            beats = []
            for key in client.scan_iter(match=f"{self.namespace}:workers:*", count=100):
                raw = client.get(key)
                if raw:
                    doc = json.loads(raw)
                    beats.append(WorkerBeat(str(doc["host"]), int(doc["pid"]),
                                            int(doc["threads"]), float(doc["started_at"]),
                                            float(doc["beat_at"]), int(doc["chunks_done"])))
            queued = int(client.llen(queue)) + int(client.llen(f"{queue}.DQ"))
            unacked = int(client.hlen(f"{queue}.msgs")) + int(client.hlen(f"{queue}.DQ.msgs"))
        except redis.RedisError as error:
            return QueueStatus(False, problem=f"{mask_url(self.url)}: "
                                              f"{type(error).__name__}: {error}")
        finally:
            client.close()
        beats.sort(key=lambda beat: (beat.host, beat.pid))
        return QueueStatus(True, tuple(beats), queued, unacked)

    def close(self) -> None:
        if self._broker is not None:
            self._broker.close()
            self._broker = None


def heartbeat_key(namespace: str, host: str, pid: int) -> str:
    return f"{namespace}:workers:{host}:{pid}"


def write_heartbeat(client: redis.Redis, namespace: str, *, pid: int, threads: int,
                    started_at: float, chunks_done: int, host: str | None = None) -> None:
    """Refresh this worker process's heartbeat key (expires after the TTL)."""
    host = host or socket.gethostname()
    doc = {"host": host, "pid": pid, "threads": threads, "started_at": started_at,
           "beat_at": time.time(), "chunks_done": chunks_done}
    client.set(heartbeat_key(namespace, host, pid), json.dumps(doc), ex=HEARTBEAT_TTL_SECONDS)


def remove_heartbeat(client: redis.Redis, namespace: str, pid: int) -> None:
    client.delete(heartbeat_key(namespace, socket.gethostname(), pid))


def redis_client(url: str) -> redis.Redis:
    """A client with the module's timeouts (for the worker's heartbeat thread)."""
    return _client(url)
