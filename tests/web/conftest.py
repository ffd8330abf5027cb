"""Web fixtures over the database fixtures of ``tests/conftest.py`` (so every web test runs on
SQLite, PostgreSQL and MariaDB when their servers are configured).

* ``make_settings(**variables)`` — a :class:`Settings` for tests (ENVIRONMENT=test, a strong
  SECRET_KEY, the test database, a private instance folder); keyword arguments are environment
  variables (``make_settings(RATELIMIT_ENABLED="1")``).
* ``make_app(settings=None, **config)`` — an app on the test database (``engine`` fixture);
  ``app`` and ``client`` are the default ones.
* ``users`` — committed users ``admin``, ``hr``, ``audit`` and the inactive ``gone`` (role hr),
  all with the password :data:`PASSWORD`.
* ``login(client, username, password=PASSWORD)`` — signs in through the real form (CSRF
  token included) and returns the response; ``csrf_token(client)`` reads a fresh token.
* ``redis_url`` — ``COATI_TEST_REDIS_URL`` or a skip with the reason; ``redis_prefix`` — a
  unique key prefix whose keys are deleted after the test.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from coati_payroll.db.models import Role, User
from coati_payroll.db.testing import Factory
from coati_payroll.settings import Settings

PASSWORD = "password"  # coati_payroll.db.testing.PASSWORD_HASH is its hash
SECRET = "test-secret-key-" + "x" * 32
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                   r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def make_settings(db_url: str, tmp_path: Path) -> Callable[..., Settings]:
    def make(**variables: str) -> Settings:
        environ = {
            "ENVIRONMENT": "test",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": db_url,
            "COATI_INSTANCE_PATH": str(tmp_path / "instance"),
        }
        environ.update(variables)
        return Settings.from_env(environ)

    return make


@pytest.fixture
def make_app(engine: Engine, make_settings: Callable[..., Settings]) -> Callable[..., Flask]:
    from coati_payroll.db.engine import make_session_factory
    from coati_payroll.web.app import create_app

    def make(settings: Settings | None = None, **config: Any) -> Flask:
        return create_app(settings or make_settings(), session_factory=make_session_factory(engine),
                          config={"TESTING": True, **config})

    return make


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def users(session: Session) -> dict[str, User]:
    make = Factory(session)
    created = {
        "admin": make.user(username="admin", role=Role.ADMIN),
        "hr": make.user(username="hr", role=Role.HR),
        "audit": make.user(username="audit", role=Role.AUDIT),
        "gone": make.user(username="gone", role=Role.HR, active=False),
    }
    session.commit()
    return created


def read_csrf_token(client: FlaskClient, path: str = "/auth/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = _CSRF.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD, **extra: str) -> Any:
    token = read_csrf_token(client)
    return client.post("/auth/login", data={"username": username, "password": password,
                                            "csrf_token": token, **extra})


@pytest.fixture
def csrf_token() -> Callable[..., str]:
    return read_csrf_token


@pytest.fixture
def login() -> Callable[..., Any]:
    return sign_in


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("COATI_TEST_REDIS_URL", "").strip()
    if not url:
        pytest.skip("COATI_TEST_REDIS_URL is not set: Redis tests skipped")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"COATI_TEST_REDIS_URL={url}: Redis not reachable ({error})")
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    import redis

    prefix = f"coati-test:{os.getpid()}:{secrets.token_hex(4)}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()
