"""The whole URL map, walked for anonymous, audit, hr and admin.

:data:`EXPECTED` is the reviewed access table: every endpoint of the app must be listed (a new
endpoint without a line fails :func:`test_every_endpoint_has_an_expected_policy`), and every
rule × method × identity must get the answer its line implies. The table is this file's
foundation entries plus the ``ACCESS`` dict of every ``access_<feature>.py`` beside it: a
feature package adds its own file, one line per endpoint (see docs/web.md).

Access classes:

* ``public`` — anybody, signed in or not;
* ``signed_in`` — any role, every method; anonymous is sent to the login page;
* ``default`` — reads (GET) any role, writes (POST …) admin and hr only;
* ``editors`` — admin and hr only, every method;
* ``admin`` — admin only, every method.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

FOUNDATION: dict[str, str] = {
    "static": "public",
    # health
    "health.health": "public",
    "health.ready": "public",
    # auth
    "auth.login": "public",
    "auth.set_language": "public",
    "auth.logout": "signed_in",
    "auth.change_password": "signed_in",
    # dashboard
    "dashboard.index": "default",
}



def _feature_tables() -> dict[str, str]:
    table: dict[str, str] = {}
    for path in sorted(Path(__file__).parent.glob("access_*.py")):
        spec = importlib.util.spec_from_file_location(f"coati_web_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        overlap = table.keys() & module.ACCESS.keys()
        assert not overlap, f"{path.name} repeats endpoints: {sorted(overlap)}"
        table.update(module.ACCESS)
    return table


EXPECTED: dict[str, str] = {**FOUNDATION, **_feature_tables()}

IDENTITIES = (None, "audit", "hr", "admin")
READ = frozenset({"GET", "HEAD", "OPTIONS"})


def allowed(access: str, identity: str | None, method: str) -> bool:
    if access == "public":
        return True
    if identity is None:
        return False
    if access == "signed_in":
        return True
    if access == "default":
        return method in READ or identity in ("admin", "hr")
    if access == "editors":
        return identity in ("admin", "hr")
    if access == "admin":
        return identity == "admin"
    raise AssertionError(f"unknown access class {access!r}")


def sample_url(rule: Rule) -> str:
    """A URL for ``rule`` with made-up arguments (ids 1: usually not found, never forbidden)."""
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__
        values[name] = 1 if converter in ("IntegerConverter", "FloatConverter") else "x"
    if rule.endpoint == "static":
        values = {"filename": "css/app.css"}
    _, path = rule.build(values, append_unknown=False) or ("", "")
    return path


def requests(app: Flask) -> Iterator[tuple[str, str, str]]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, sample_url(rule)


def test_every_endpoint_has_an_expected_policy(app: Flask) -> None:
    endpoints = set(app.view_functions)
    missing = sorted(endpoints - set(EXPECTED))
    stale = sorted(set(EXPECTED) - endpoints)
    assert not missing, (
        f"endpoints without a line in tests/web/test_access.py EXPECTED: {missing} — add one "
        "per endpoint (public / signed_in / default / editors / admin)")
    assert not stale, f"EXPECTED lists endpoints that no longer exist: {stale}"


@pytest.fixture
def identities(app: Flask, users: Any, login: Callable[..., Any],
               csrf_token: Callable[..., str]) -> dict[str | None, tuple[str | None, str]]:
    """Identity → (session cookie, CSRF token) taken after a real sign-in."""
    result: dict[str | None, tuple[str | None, str]] = {}
    for identity in IDENTITIES:
        client = app.test_client()
        if identity is None:
            token = csrf_token(client, "/auth/login")
        else:
            assert login(client, identity).status_code == 302
            token = csrf_token(client, "/auth/password")
        cookie = client.get_cookie("coati_session")
        result[identity] = (cookie.value if cookie else None, token)
    return result


def _client(app: Flask, cookie: str | None) -> FlaskClient:
    client = app.test_client()
    if cookie is not None:
        client.set_cookie("coati_session", cookie)
    return client


def test_url_map_walk(app: Flask, identities: dict[str | None, tuple[str | None, str]]) -> None:
    failures: list[str] = []
    walked = 0
    for endpoint, method, url in requests(app):
        access = EXPECTED.get(endpoint)
        if access is None:
            continue  # reported by test_every_endpoint_has_an_expected_policy
        for identity in IDENTITIES:
            cookie, token = identities[identity]
            client = _client(app, cookie)
            data = {} if method in READ else {"csrf_token": token}
            response = client.open(url, method=method, data=data)
            walked += 1
            status = response.status_code
            location = response.headers.get("Location", "")
            to_login = status == 302 and location.startswith("/auth/login")
            who = identity or "anonymous"
            if status >= 500:
                failures.append(f"{method} {url} as {who}: {status} (server error)")
            elif allowed(access, identity, method):
                if status in (401, 403) or (to_login and endpoint != "auth.logout"):
                    failures.append(f"{method} {url} as {who}: refused ({status}) but "
                                    f"{endpoint} is {access!r}")
            elif identity is None:
                if not to_login:
                    failures.append(f"{method} {url} as anonymous: {status} {location}, "
                                    "expected a redirect to the login page")
            elif status != 403:
                failures.append(f"{method} {url} as {who}: {status}, expected 403 "
                                f"({endpoint} is {access!r})")
    assert walked >= len(EXPECTED)
    assert not failures, "\n".join(failures)


def test_json_clients_get_401_not_a_redirect(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"] == 401


def test_an_endpoint_without_policy_stops_the_app(
        make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    from flask import Blueprint

    from coati_payroll.web import features

    module = types.ModuleType("coati_test_feature")
    blueprint = Blueprint("forgotten", "coati_test_feature")
    blueprint.add_url_rule("/forgotten", "index", lambda: "secret")
    module.blueprint = blueprint  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "coati_test_feature", module)
    monkeypatch.setattr(features, "FEATURES", [*features.FEATURES, "coati_test_feature:blueprint"])
    with pytest.raises(RuntimeError, match=r"no access policy.*forgotten\.index"):
        make_app()


def test_policy_decorators_override_the_blueprint(
        make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch, users: Any,
        login: Callable[..., Any]) -> None:
    import sys
    import types

    from coati_payroll.db.models import Role
    from coati_payroll.web import features
    from coati_payroll.web.security import DEFAULT_POLICY, feature_blueprint, requires

    module = types.ModuleType("coati_test_feature2")
    blueprint = feature_blueprint("demo", "coati_test_feature2", policy=DEFAULT_POLICY,
                                  url_prefix="/demo")
    blueprint.add_url_rule("/", "index", lambda: "list")
    blueprint.add_url_rule("/secret", "secret", requires(Role.ADMIN)(lambda: "secret"))
    module.blueprint = blueprint  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "coati_test_feature2", module)
    monkeypatch.setattr(features, "FEATURES", [*features.FEATURES, "coati_test_feature2:blueprint"])
    app = make_app()
    hr, admin = app.test_client(), app.test_client()
    login(hr, "hr")
    login(admin, "admin")
    assert hr.get("/demo/").status_code == 200
    assert hr.get("/demo/secret").status_code == 403
    assert admin.get("/demo/secret").status_code == 200
