"""The Flask application factory: ``create_app(settings)``.

Builds one app from a validated :class:`~coati_payroll.settings.Settings` (never from the
environment directly): refuses the built-in SECRET_KEY outside development, connects the
database (or uses the ``session_factory`` given, e.g. by tests), sets the cookie and upload
limits, then installs, in this order: sessions, i18n, the signed-in user and access policy,
CSRF, security headers, error pages, and the feature blueprints listed in
:data:`coati_payroll.web.features.FEATURES`. Finally every endpoint must have an access
policy, or the app is not built.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.middleware.proxy_fix import ProxyFix

from coati_payroll.db.engine import make_engine, make_session_factory
from coati_payroll.settings import Settings, SettingsError
from coati_payroll.web import features
from coati_payroll.web.errors import init_errors
from coati_payroll.web.extensions import (
    WebState,
    close_db_session,
    csrf,
    make_throttle,
)
from coati_payroll.web.headers import init_headers
from coati_payroll.web.i18n import init_i18n
from coati_payroll.web.security import check_policies, init_security
from coati_payroll.web.sessions import init_sessions

__all__ = ["CoatiFlask", "create_app"]

#: Seconds to wait for a database server to accept a connection (not for SQLite).
DB_CONNECT_TIMEOUT = 10


class CoatiFlask(Flask):
    def log_exception(self, exc_info: Any) -> None:
        """Unhandled exceptions are logged with their context by ``errors.internal_error``."""


def _refuse_unsafe(settings: Settings) -> None:
    if settings.uses_default_secret_key and not settings.is_development:
        raise SettingsError([
            f"SECRET_KEY is the built-in development key, which is refused when "
            f"ENVIRONMENT={settings.environment}; set SECRET_KEY to a random secret "
            "(python -c 'import secrets; print(secrets.token_hex(32))')"
        ])
    if settings.is_production:
        settings.validate_for_production()


def _session_factory(settings: Settings) -> sessionmaker[Session]:
    backend = settings.database_url.split(":", 1)[0].split("+", 1)[0]
    options: dict[str, Any] = {}
    if backend != "sqlite":
        options["connect_args"] = {"connect_timeout": DB_CONNECT_TIMEOUT}
    return make_session_factory(make_engine(settings.database_url, **options))


def create_app(settings: Settings, *, session_factory: sessionmaker[Session] | None = None,
               config: Mapping[str, Any] | None = None) -> Flask:
    """The web app for ``settings``.

    ``session_factory`` — use these database sessions instead of connecting to
    ``settings.database_url``. ``config`` — extra Flask config applied before the extensions
    are set up (tests: ``LOGIN_THROTTLE_PREFIX``, ``SESSION_KEY_PREFIX``, ``TESTING`` …).
    Raises :class:`SettingsError` for the default SECRET_KEY outside development and, in
    production, for what :meth:`Settings.validate_for_production` refuses.
    """
    _refuse_unsafe(settings)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    app = CoatiFlask("coati_payroll.web", instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        SESSION_COOKIE_NAME="coati_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=settings.session_lifetime,
        WTF_CSRF_TIME_LIMIT=int(settings.session_lifetime.total_seconds()),
        PREFERRED_URL_SCHEME="https" if settings.session_cookie_secure else "http",
    )
    app.config.update(config or {})
    app.logger.setLevel(settings.log_level)
    if settings.trusted_proxy_hops:
        hops = settings.trusted_proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,  # type: ignore[method-assign]
                                x_host=hops, x_prefix=hops)

    factory = session_factory or _session_factory(settings)
    engine = factory.kw["bind"]
    app.extensions["coati"] = WebState(settings=settings, engine=engine,
                                       session_factory=factory,
                                       throttle=make_throttle(settings, app))
    app.teardown_appcontext(close_db_session)

    init_sessions(app, settings.session_redis_url)
    init_i18n(app, settings)
    init_security(app)
    csrf.init_app(app)
    init_headers(app, hsts=settings.session_cookie_secure)
    init_errors(app)
    for target in features.FEATURES:
        app.register_blueprint(_load_blueprint(target))
    check_policies(app)

    @app.context_processor
    def inject_navigation() -> dict[str, Any]:
        return {"navigation": features.NAVIGATION}

    return app


def _load_blueprint(target: str) -> Blueprint:
    module_name, _, attribute = target.partition(":")
    blueprint = getattr(importlib.import_module(module_name), attribute or "blueprint")
    if not isinstance(blueprint, Blueprint):
        raise TypeError(f"{target} is not a Flask blueprint")
    return blueprint
