"""The dashboard's background-processing card: disabled, Redis unreachable, workers alive."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from flask import Flask

from coati_payroll.queue import NAMESPACE


def _page(make_app: Callable[..., Flask], make_settings: Callable[..., Any], login: Any,
          **variables: str) -> str:
    client = make_app(make_settings(**variables)).test_client()
    login(client, "audit")
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_queue_disabled(make_app: Any, make_settings: Any, users: Any, login: Any) -> None:
    page = _page(make_app, make_settings, login, QUEUE_ENABLED="0")
    assert 'data-queue-reachable="none"' in page
    assert "The queue is disabled" in page


def test_redis_unreachable_keeps_the_page_up(make_app: Any, make_settings: Any, users: Any,
                                             login: Any) -> None:
    page = _page(make_app, make_settings, login, QUEUE_ENABLED="1",
                 REDIS_URL="redis://127.0.0.1:1/0")
    assert 'data-queue-reachable="no"' in page
    assert "redis://127.0.0.1:1/0 does not answer" in page


def test_workers_alive_from_heartbeats(make_app: Any, make_settings: Any, users: Any,
                                       login: Any, redis_url: str) -> None:
    import redis

    isolated = redis_url.rsplit("/", 1)[0] + "/14"  # a database of its own: no real workers
    client = redis.Redis.from_url(isolated)
    client.flushdb()
    key = f"{NAMESPACE}:workers:testhost:4242"
    now = time.time()
    client.set(key, json.dumps({"host": "testhost", "pid": 4242, "threads": 2,
                                "started_at": now, "beat_at": now, "chunks_done": 3}), ex=30)
    try:
        page = _page(make_app, make_settings, login, QUEUE_ENABLED="1", REDIS_URL=isolated)
    finally:
        client.flushdb()
        client.close()
    assert 'data-queue-reachable="yes"' in page
    assert '<p class="figure" id="queue-workers">1</p>' in page
    assert '<span id="queue-depth">0</span>' in page
