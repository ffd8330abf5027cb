"""The app's shared objects: its state (settings, database), CSRF, Babel and the login throttle.

* :func:`state` — the :class:`WebState` of the current app (settings, engine, session factory).
* :func:`db_session` — one SQLAlchemy session per request, closed (rolled back) at its end.
  Reads may use it; writes go through a service with ``unit_of_work()``, which commits.
* :data:`csrf` — Flask-WTF's CSRF protection on every POST/PUT/PATCH/DELETE (forms send the
  ``csrf_token`` field, scripts the ``X-CSRFToken`` header).
* :data:`babel` — Flask-Babel (locale selection lives in :mod:`coati_payroll.web.i18n`).
* :class:`LoginThrottle` — counts failed sign-ins per client IP and per account name in a
  fixed window; only the login POST consults it, so browsing is never throttled. Storage is
  Redis when RATELIMIT_STORAGE_URL (by default REDIS_URL) is a Redis URL, else process memory.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Final, Protocol

import redis
from flask import Flask, current_app, g
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from coati_payroll.services.uow import UnitOfWork
from coati_payroll.settings import Settings

__all__ = [
    "LoginThrottle",
    "MemoryCounter",
    "RedisCounter",
    "WebState",
    "babel",
    "csrf",
    "db_session",
    "state",
    "unit_of_work",
]

log = logging.getLogger(__name__)

csrf = CSRFProtect()
babel = Babel()

#: Failed sign-ins allowed per window before the next attempt is refused (429).
LOGIN_FAILURES_PER_ACCOUNT: Final = 5
LOGIN_FAILURES_PER_IP: Final = 20
LOGIN_WINDOW_SECONDS: Final = 60
DEFAULT_THROTTLE_PREFIX: Final = "coati:login:"


@dataclass(frozen=True, slots=True)
class WebState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    throttle: LoginThrottle


def state() -> WebState:
    value = current_app.extensions["coati"]
    assert isinstance(value, WebState)
    return value


def db_session() -> Session:
    """This request's database session (created on first use)."""
    session: Session | None = g.get("coati_db")
    if session is None:
        session = state().session_factory()
        g.coati_db = session
    return session


def unit_of_work() -> UnitOfWork:
    """A new unit of work for a service call that writes (``with unit_of_work() as uow``)."""
    return UnitOfWork(state().session_factory)


def close_db_session(_: BaseException | None = None) -> None:
    session: Session | None = g.pop("coati_db", None)
    if session is not None:
        session.rollback()
        session.close()


# -- login throttle -----------------------------------------------------------------------------


class Counter(Protocol):
    def get(self, key: str) -> int: ...
    def hit(self, key: str, window: int) -> int: ...
    def reset(self, key: str) -> None: ...


class MemoryCounter:
    """Fixed-window counters in this process (one web process: fine; several: use Redis)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}

    def get(self, key: str) -> int:
        with self._lock:
            count, expires = self._counts.get(key, (0, 0.0))
            return count if expires > time.monotonic() else 0

    def hit(self, key: str, window: int) -> int:
        now = time.monotonic()
        with self._lock:
            if len(self._counts) > 10_000:  # bound memory under a flood of distinct names
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            count, expires = self._counts.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + window
            self._counts[key] = (count + 1, expires)
            return count + 1

    def reset(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


class RedisCounter:
    """Fixed-window counters in Redis, shared by every web process."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def get(self, key: str) -> int:
        value = self.client.get(self.prefix + key)
        return int(value) if value is not None else 0

    def hit(self, key: str, window: int) -> int:
        pipe = self.client.pipeline()
        pipe.set(self.prefix + key, 0, ex=window, nx=True)  # the window starts at the 1st miss
        pipe.incr(self.prefix + key)
        return int(pipe.execute()[1])

    def reset(self, key: str) -> None:
        self.client.delete(self.prefix + key)


class LoginThrottle:
    """Refuses a sign-in attempt once an IP or an account name has too many recent failures.

    Call :meth:`blocked` before checking the password, :meth:`failed` after a failure and
    :meth:`succeeded` after a success (which clears the account's count, not the IP's). When
    the storage is unreachable the throttle lets attempts through and logs an error: Redis
    trouble must not lock every user out.
    """

    def __init__(self, counter: Counter, *, enabled: bool = True,
                 per_account: int = LOGIN_FAILURES_PER_ACCOUNT,
                 per_ip: int = LOGIN_FAILURES_PER_IP,
                 window: int = LOGIN_WINDOW_SECONDS) -> None:
        self.counter = counter
        self.enabled = enabled
        self.per_account = per_account
        self.per_ip = per_ip
        self.window = window

    @staticmethod
    def _keys(ip: str, username: str) -> tuple[str, str]:
        account = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
        return f"ip:{ip}", f"account:{account}"

    def blocked(self, ip: str, username: str) -> bool:
        if not self.enabled:
            return False
        ip_key, account_key = self._keys(ip, username)
        try:
            return (self.counter.get(ip_key) >= self.per_ip
                    or self.counter.get(account_key) >= self.per_account)
        except redis.RedisError as error:
            log.error("login throttle storage unreachable; attempt allowed: %s", error)
            return False

    def failed(self, ip: str, username: str) -> None:
        if not self.enabled:
            return
        try:
            for key in self._keys(ip, username):
                self.counter.hit(key, self.window)
        except redis.RedisError as error:
            log.error("login throttle storage unreachable; failure not counted: %s", error)

    def succeeded(self, ip: str, username: str) -> None:
        if not self.enabled:
            return
        try:
            self.counter.reset(self._keys(ip, username)[1])
        except redis.RedisError as error:
            log.error("login throttle storage unreachable: %s", error)


def make_throttle(settings: Settings, app: Flask) -> LoginThrottle:
    """The throttle configured by RATELIMIT_ENABLED and RATELIMIT_STORAGE_URL; the limits can
    be changed with ``app.config`` keys LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURES_PER_IP,
    LOGIN_WINDOW_SECONDS and the Redis key prefix with LOGIN_THROTTLE_PREFIX."""
    url = settings.ratelimit_storage_url
    counter: Counter
    if url.startswith("memory://"):
        counter = MemoryCounter()
    else:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        counter = RedisCounter(client, app.config.get("LOGIN_THROTTLE_PREFIX",
                                                      DEFAULT_THROTTLE_PREFIX))
    return LoginThrottle(
        counter, enabled=settings.ratelimit_enabled,
        per_account=int(app.config.get("LOGIN_FAILURES_PER_ACCOUNT", LOGIN_FAILURES_PER_ACCOUNT)),
        per_ip=int(app.config.get("LOGIN_FAILURES_PER_IP", LOGIN_FAILURES_PER_IP)),
        window=int(app.config.get("LOGIN_WINDOW_SECONDS", LOGIN_WINDOW_SECONDS)),
    )
