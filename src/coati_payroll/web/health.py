"""Liveness and readiness, without sign-in, for systemd, load balancers and monitors.

* ``GET /health`` — the process answers: always 200 ``{"status": "ok"}``; touches nothing.
* ``GET /ready`` — can it serve? Checks the database (``SELECT 1``), Redis for the queue when
  QUEUE_ENABLED, and the session store when SESSION_REDIS_URL is set. 200
  ``{"status": "ready", "checks": {...}}`` or 503 ``{"status": "unavailable", "checks": {...},
  "reasons": [...]}``. Reasons name the component and the error class only; the details (hosts,
  driver messages) go to the log, not to an anonymous client.
"""

from __future__ import annotations

import logging

import redis
import sqlalchemy as sa
from flask import jsonify
from flask.typing import ResponseReturnValue

from coati_payroll.settings import mask_url
from coati_payroll.web.extensions import csrf, state
from coati_payroll.web.security import PUBLIC_POLICY, feature_blueprint

__all__ = ["blueprint"]

log = logging.getLogger(__name__)

blueprint = feature_blueprint("health", __name__, policy=PUBLIC_POLICY)
csrf.exempt(blueprint)

REDIS_TIMEOUT_SECONDS = 2


@blueprint.get("/health")
def health() -> ResponseReturnValue:
    return jsonify(status="ok")


def _check_database() -> str | None:
    try:
        with state().engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        log.warning("readiness: database unreachable: %s", error)
        return f"database unreachable ({type(getattr(error, 'orig', None) or error).__name__})"
    return None


def _check_redis(name: str, url: str) -> str | None:
    try:
        client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                      socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as error:
        log.warning("readiness: %s Redis at %s unreachable: %s", name, mask_url(url), error)
        return f"{name} Redis unreachable ({type(error).__name__})"
    return None


@blueprint.get("/ready")
def ready() -> ResponseReturnValue:
    settings = state().settings
    results: dict[str, str | None] = {"database": _check_database()}
    if settings.queue_enabled and settings.redis_url is not None:
        results["queue"] = _check_redis("queue", settings.redis_url)
    if settings.session_redis_url is not None:
        results["sessions"] = _check_redis("session", settings.session_redis_url)
    checks = {name: "ok" if problem is None else "unavailable"
              for name, problem in results.items()}
    reasons = [problem for problem in results.values() if problem is not None]
    if reasons:
        return jsonify(status="unavailable", checks=checks, reasons=reasons), 503
    return jsonify(status="ready", checks=checks)
