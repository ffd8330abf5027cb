"""The worker's Redis broker on real Redis: one prefetched message per thread, and a thread
that finishes a message gets the next one at once (Dramatiq's own consumer sleeps with a
growing backoff, up to 1 s, while its prefetch is full)."""

from __future__ import annotations

import threading
import time
from typing import Any

import dramatiq
import pytest
from redis_support import free_redis_database

from coati_payroll.queue import QUEUE_NAME
from coati_payroll.worker.broker import POLL_MS, PromptRedisBroker, make_worker_broker


def _broker(url: str) -> PromptRedisBroker:
    broker = make_worker_broker(url)
    dramatiq.actor(broker=broker, actor_name="noop", queue_name=QUEUE_NAME)(lambda n: None)
    return broker


def _next_message(consumer: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = next(consumer)
        if message is not None:
            return message
    raise AssertionError("no message within the timeout")


def test_prefetch_is_one_per_thread_and_the_poll_is_short(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with free_redis_database() as url:
        broker = _broker(url)
        try:
            consumer: Any = broker.consume(QUEUE_NAME, prefetch=16, timeout=1000)
            assert consumer.prefetch == 8  # Dramatiq asks for 2 × threads
            assert consumer.timeout == POLL_MS
            delayed: Any = broker.consume(f"{QUEUE_NAME}.DQ", prefetch=16, timeout=1000)
            assert delayed.prefetch == 16 and delayed.timeout == 1000  # untouched
        finally:
            broker.close()


def test_a_full_consumer_fetches_again_as_soon_as_a_message_is_acked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with free_redis_database() as url:
        broker = _broker(url)
        try:
            for n in range(3):
                broker.enqueue(dramatiq.Message(queue_name=QUEUE_NAME, actor_name="noop",
                                                args=(n,), kwargs={}, options={}))
            consumer: Any = broker.consume(QUEUE_NAME, prefetch=2, timeout=1000)  # 1 thread
            first = _next_message(consumer)
            # Full (one message being processed): many polls in a row, as while a chunk is
            # computed; Dramatiq's consumer would now sleep for up to its timeout.
            for _ in range(8):
                assert next(consumer) is None
            threading.Timer(0.05, consumer.ack, args=(first,)).start()
            started = time.monotonic()
            second = _next_message(consumer)
            waited = time.monotonic() - started
            assert second.args == (1,)
            assert waited < 0.05 + POLL_MS / 1000
            consumer.ack(second)
            assert _next_message(consumer).args == (2,)
        finally:
            broker.close()
