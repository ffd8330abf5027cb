"""Sign-in throttling: per account and per IP, in memory or Redis; browsing never throttled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

MESSAGE = "Too many failed sign-in attempts. Please wait a minute and try again."


@pytest.fixture
def throttled_app(make_app: Callable[..., Flask], make_settings: Callable[..., Any]) -> Flask:
    return make_app(make_settings(RATELIMIT_ENABLED="1", RATELIMIT_STORAGE_URL="memory://"))


def _sixth_attempt_is_refused(app: Flask, login: Callable[..., Any]) -> None:
    client = app.test_client()
    for attempt in range(5):
        response = login(client, "admin", "wrong password")
        assert response.status_code == 200, f"attempt {attempt + 1}"
    response = login(client, "admin", "wrong password")
    assert response.status_code == 429
    assert MESSAGE in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "60"
    # Even the right password is refused while the account is throttled.
    assert login(client, "admin").status_code == 429
    # Another account from another address is not affected.
    other = app.test_client()
    response = login(other, "hr", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 302


def test_sixth_bad_attempt_in_a_minute_is_refused(throttled_app: Flask, users: Any,
                                                  login: Callable[..., Any]) -> None:
    _sixth_attempt_is_refused(throttled_app, login)


def test_per_ip_limit_across_accounts(make_app: Callable[..., Flask],
                                      make_settings: Callable[..., Any], users: Any,
                                      login: Callable[..., Any]) -> None:
    app = make_app(make_settings(RATELIMIT_ENABLED="1", RATELIMIT_STORAGE_URL="memory://"),
                   LOGIN_FAILURES_PER_IP=3)
    client = app.test_client()
    for name in ("a1", "a2", "a3"):
        assert login(client, name, "wrong").status_code == 200
    assert login(client, "admin").status_code == 429  # a new account, the same address


def test_success_clears_the_account_count(throttled_app: Flask, users: Any,
                                          login: Callable[..., Any]) -> None:
    client = throttled_app.test_client()
    for _ in range(4):
        login(client, "hr", "wrong")
    assert login(client, "hr").status_code == 302
    other = throttled_app.test_client()
    for _ in range(5):
        assert login(other, "hr", "wrong", environ_base={"REMOTE_ADDR": "10.0.0.2"}
                     ).status_code == 200


def test_browsing_is_never_throttled(throttled_app: Flask, users: Any,
                                     login: Callable[..., Any]) -> None:
    client = throttled_app.test_client()
    login(client, "audit")
    for _ in range(120):
        assert client.get("/").status_code == 200
    anonymous = throttled_app.test_client()
    for _ in range(120):
        assert anonymous.get("/health").status_code == 200
        assert anonymous.get("/auth/login").status_code == 200


def test_throttle_off_when_disabled(app: Flask, users: Any, login: Callable[..., Any]) -> None:
    # ENVIRONMENT=test turns RATELIMIT_ENABLED off by default.
    client = app.test_client()
    for _ in range(7):
        assert login(client, "admin", "wrong").status_code == 200


def test_redis_storage(make_app: Callable[..., Flask], make_settings: Callable[..., Any],
                       users: Any, login: Callable[..., Any], redis_url: str,
                       redis_prefix: str) -> None:
    import redis

    settings = make_settings(RATELIMIT_ENABLED="1", REDIS_URL=redis_url, QUEUE_ENABLED="0")
    assert settings.ratelimit_storage_url == redis_url  # Redis when REDIS_URL is set
    app = make_app(settings, LOGIN_THROTTLE_PREFIX=redis_prefix)
    _sixth_attempt_is_refused(app, login)
    keys = redis.Redis.from_url(redis_url).keys(f"{redis_prefix}*")
    assert len(keys) >= 2  # one per IP and one per account
    # A second app (another web process) shares the count.
    assert login(make_app(settings, LOGIN_THROTTLE_PREFIX=redis_prefix).test_client(),
                 "admin", "wrong").status_code == 429


def test_unreachable_redis_does_not_lock_users_out(make_app: Callable[..., Flask],
                                                   make_settings: Callable[..., Any],
                                                   users: Any, login: Callable[..., Any]) -> None:
    settings = make_settings(RATELIMIT_ENABLED="1", RATELIMIT_STORAGE_URL="redis://127.0.0.1:1/0")
    client = make_app(settings).test_client()
    assert login(client, "admin").status_code == 302
