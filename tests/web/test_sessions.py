"""Session cookies and server-side sessions in Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient


def _cookie_header(response: Any) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("coati_session=")]
    assert headers, "no session cookie set"
    return headers[-1]


def test_cookie_flags_in_development_and_test(client: FlaskClient, users: Any,
                                              login: Callable[..., Any]) -> None:
    header = _cookie_header(login(client, "admin"))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header  # plain HTTP outside production


def test_cookie_is_secure_in_production(make_app: Callable[..., Flask],
                                        make_settings: Callable[..., Any], db_url: str) -> None:
    settings = make_settings(ENVIRONMENT="production", ADMIN_PASSWORD="a-real-admin-password")
    app = make_app(settings)
    client = app.test_client()
    page = client.get("/auth/login", base_url="https://localhost")
    header = _cookie_header(page)
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


@pytest.fixture
def redis_app(make_app: Callable[..., Flask], make_settings: Callable[..., Any], redis_url: str,
              redis_prefix: str) -> Flask:
    return make_app(make_settings(SESSION_REDIS_URL=redis_url),
                    SESSION_KEY_PREFIX=f"{redis_prefix}session:")


def _sid(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("coati_session")
    return None if cookie is None else cookie.value


def test_redis_sessions(redis_app: Flask, users: Any, login: Callable[..., Any],
                        csrf_token: Callable[..., str], redis_url: str, redis_prefix: str) -> None:
    import redis

    store = redis.Redis.from_url(redis_url)
    client = redis_app.test_client()
    client.get("/auth/login")  # an anonymous session (CSRF token)
    before = _sid(client)
    assert before is not None and len(before) == 43
    assert store.exists(f"{redis_prefix}session:{before}")
    header = _cookie_header(login(client, "admin"))
    assert "HttpOnly" in header and "SameSite=Lax" in header
    after = _sid(client)
    assert after is not None and after != before  # a new id on sign-in: no fixation
    assert not store.exists(f"{redis_prefix}session:{before}")
    ttl = store.ttl(f"{redis_prefix}session:{after}")
    assert 0 < ttl <= 480 * 60
    assert client.get("/").status_code == 200
    # The cookie holds only the id: the data is not in it.
    assert "." not in after
    # Signing out deletes the data: a copied cookie is worthless afterwards.
    copy = redis_app.test_client()
    copy.set_cookie("coati_session", after)
    assert copy.get("/").status_code == 200
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/password")})
    assert not store.exists(f"{redis_prefix}session:{after}")
    assert copy.get("/").status_code == 302


def test_forged_session_ids_are_ignored(redis_app: Flask) -> None:
    client = redis_app.test_client()
    client.set_cookie("coati_session", "../../etc/passwd")
    assert client.get("/").status_code == 302
    client.set_cookie("coati_session", "A" * 43)
    assert client.get("/").status_code == 302


def test_requests_without_cookie_never_touch_redis(make_app: Callable[..., Flask],
                                                   make_settings: Callable[..., Any]) -> None:
    app = make_app(make_settings(SESSION_REDIS_URL="redis://127.0.0.1:1/0"))
    client = app.test_client()
    assert client.get("/health").status_code == 200
