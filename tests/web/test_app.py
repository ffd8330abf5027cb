"""The app factory's refusals, security headers, CSRF, error pages, health and readiness."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from coati_payroll.settings import DEVELOPMENT_SECRET_KEY, SettingsError
from coati_payroll.web.headers import CONTENT_SECURITY_POLICY

# -- SECRET_KEY --------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ["production", "test"])
def test_default_secret_key_is_refused_outside_development(
        make_settings: Callable[..., Any], environment: str) -> None:
    from coati_payroll.web.app import create_app

    settings = dataclasses.replace(
        make_settings(ADMIN_PASSWORD="a-real-admin-password"),
        environment=environment, secret_key=DEVELOPMENT_SECRET_KEY)
    with pytest.raises(SettingsError, match="SECRET_KEY is the built-in development key"):
        create_app(settings)


def test_default_secret_key_is_accepted_in_development(
        make_app: Callable[..., Flask], make_settings: Callable[..., Any]) -> None:
    settings = dataclasses.replace(make_settings(), environment="development",
                                   secret_key=DEVELOPMENT_SECRET_KEY)
    assert make_app(settings).secret_key == DEVELOPMENT_SECRET_KEY


def test_production_checks_run_in_create_app(make_settings: Callable[..., Any]) -> None:
    from coati_payroll.web.app import create_app

    settings = dataclasses.replace(make_settings(), environment="production")
    with pytest.raises(SettingsError, match="ADMIN_PASSWORD"):
        create_app(settings)


# -- headers -----------------------------------------------------------------------------------


def _paths(client: FlaskClient) -> list[str]:
    return ["/", "/auth/login", "/health", "/ready", "/static/css/app.css", "/static/js/app.js",
            "/missing-page"]


def test_security_headers_on_every_response(client: FlaskClient, users: Any,
                                            login: Callable[..., Any]) -> None:
    responses = [client.get(path) for path in _paths(client)]
    login(client, "admin")
    responses += [client.get(path) for path in _paths(client)]
    responses.append(client.post("/auth/logout"))  # 400: no CSRF token
    for response in responses:
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "unsafe" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # not over plain HTTP
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_csp_is_what_the_issue_asks() -> None:
    for part in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                 "img-src 'self' data:", "frame-ancestors 'none'", "form-action 'self'",
                 "base-uri 'self'"):
        assert part in CONTENT_SECURITY_POLICY


def test_hsts_in_production(make_app: Callable[..., Flask],
                            make_settings: Callable[..., Any]) -> None:
    app = make_app(make_settings(ENVIRONMENT="production", ADMIN_PASSWORD="a-real-password!"))
    response = app.test_client().get("/health", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_templates_have_no_inline_scripts_or_styles() -> None:
    import re
    from pathlib import Path

    import coati_payroll.web as web

    root = Path(web.__file__).parent
    for template in root.rglob("templates/**/*.html"):
        # Jinja expressions ({{ … }}, {% … %}) are code, not markup: a macro argument such as
        # style="danger" is not an inline style. Check what the browser will see as HTML.
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", template.read_text(), flags=re.S)
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert "<style" not in text and ' style="' not in text, template
        assert not re.search(r"\son[a-z]+=", text), template
        assert "//cdn" not in text and "https://" not in text, template


# -- CSRF --------------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused(client: FlaskClient, users: Any) -> None:
    response = client.post("/auth/login", data={"username": "admin", "password": "password"})
    assert response.status_code == 400
    assert "The form has expired or did not come from this site." in response.get_data(
        as_text=True)
    assert client.get("/").status_code == 302  # not signed in


def test_post_with_a_wrong_csrf_token_is_refused(client: FlaskClient, users: Any,
                                                 login: Callable[..., Any]) -> None:
    login(client, "admin")
    response = client.post("/auth/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_csrf_error_as_json(client: FlaskClient) -> None:
    response = client.post("/auth/login", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"] == 400


# -- error pages -------------------------------------------------------------------------------


def test_upload_too_large(make_app: Callable[..., Flask],
                          make_settings: Callable[..., Any]) -> None:
    app = make_app(make_settings(MAX_CONTENT_LENGTH=str(1024 * 1024)))
    client = app.test_client()
    response = client.post("/auth/login", data={"password": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "File too large" in page
    assert "1 MiB" in page
    response = client.post("/auth/login", data={"password": "x" * (2 * 1024 * 1024)},
                           headers={"Accept": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["error"] == 413


def test_not_found_page_and_json(client: FlaskClient) -> None:
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    response = client.get("/nothing-here", headers={"Accept": "application/json"})
    assert response.get_json() == {
        "error": 404, "title": "Page not found",
        "message": "The page or record you asked for does not exist."}


def test_method_not_allowed(client: FlaskClient) -> None:
    response = client.put("/health")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_unexpected_error_is_logged_with_context_and_hidden(
        make_app: Callable[..., Flask], users: Any, login: Callable[..., Any],
        caplog: pytest.LogCaptureFixture) -> None:
    from coati_payroll.web.security import requires

    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @requires(*__import__("coati_payroll.db.models", fromlist=["Role"]).Role)
    def explode() -> str:
        raise RuntimeError("SELECT secret FROM salaries")

    app.add_url_rule("/explode", "explode", explode)
    client = app.test_client()
    login(client, "hr")
    with caplog.at_level(logging.ERROR, logger="coati_payroll.web"):
        response = client.get("/explode")
    assert response.status_code == 500
    assert "SELECT secret" not in response.get_data(as_text=True)
    assert "Something went wrong" in response.get_data(as_text=True)
    assert response.headers["X-Frame-Options"] == "DENY"
    record = next(r for r in caplog.records if "unhandled RuntimeError" in r.getMessage())
    assert "GET /explode" in record.getMessage()
    assert "(hr)" in record.getMessage()
    assert record.exc_info is not None


def test_uncaught_service_errors_become_statuses(make_app: Callable[..., Flask], users: Any,
                                                 login: Callable[..., Any]) -> None:
    from coati_payroll.db.models import Role
    from coati_payroll.services.errors import InvalidInput, InvalidState, NotFound
    from coati_payroll.web.security import requires

    app = make_app()
    errors = {"nf": NotFound("no employee 7"), "st": InvalidState("the run is applied"),
              "in": InvalidInput("bad", {"salary": "must be positive"})}
    for name, error in errors.items():
        def view(error: Exception = error) -> str:
            raise error

        app.add_url_rule(f"/svc/{name}", f"svc_{name}", requires(*Role)(view))
    client = app.test_client()
    login(client, "hr")
    assert client.get("/svc/nf").status_code == 404
    response = client.get("/svc/st")
    assert response.status_code == 409
    assert "the run is applied" in response.get_data(as_text=True)
    assert client.get("/svc/in").status_code == 422


# -- health and readiness ----------------------------------------------------------------------


def test_health_and_ready_without_login(client: FlaskClient) -> None:
    assert client.get("/health").get_json() == {"status": "ok"}
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok"}}


def test_ready_reports_an_unreachable_database(make_settings: Callable[..., Any]) -> None:
    from coati_payroll.web.app import create_app

    settings = make_settings(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    client = create_app(settings).test_client()
    assert client.get("/health").status_code == 200  # alive all the same
    response = client.get("/ready")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "unavailable"}
    assert body["reasons"][0].startswith("database unreachable")
    assert "127.0.0.1" not in str(body)  # details go to the log only


def test_ready_reports_an_unreachable_queue_redis(make_app: Callable[..., Flask],
                                                  make_settings: Callable[..., Any]) -> None:
    settings = make_settings(REDIS_URL="redis://127.0.0.1:1/0", QUEUE_ENABLED="1",
                             RATELIMIT_STORAGE_URL="memory://")
    response = make_app(settings).test_client().get("/ready")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"] == {"database": "ok", "queue": "unavailable"}
    assert body["reasons"] == ["queue Redis unreachable (ConnectionError)"]


def test_ready_ignores_redis_when_the_queue_is_off(make_app: Callable[..., Flask],
                                                   make_settings: Callable[..., Any]) -> None:
    settings = make_settings(REDIS_URL="redis://127.0.0.1:1/0", QUEUE_ENABLED="0",
                             RATELIMIT_STORAGE_URL="memory://")
    assert make_app(settings).test_client().get("/ready").status_code == 200


def test_ready_with_a_reachable_redis(make_app: Callable[..., Flask],
                                      make_settings: Callable[..., Any], redis_url: str) -> None:
    settings = make_settings(REDIS_URL=redis_url, QUEUE_ENABLED="1", SESSION_REDIS_URL=redis_url)
    response = make_app(settings).test_client().get("/ready")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "queue": "ok", "sessions": "ok"}
