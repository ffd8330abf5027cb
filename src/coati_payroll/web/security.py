"""Who may see what: the access policy, the signed-in user, sign-in and sign-out.

Every endpoint has a :class:`Policy`, enforced centrally before the view runs (fail closed):

* a feature blueprint made with :func:`feature_blueprint` declares a default policy for all its
  views — :data:`DEFAULT_POLICY` (read = any role, write = admin/hr), :data:`ADMIN_AREA` (admin
  only) or :data:`PUBLIC_POLICY`;
* a view may override it with a decorator: ``@requires(Role.ADMIN)``, ``@public`` or
  ``@policy(read=…, write=…)``.

"Read" is GET, HEAD and OPTIONS; every other method is "write". Anonymous requests to a
protected endpoint are redirected to the login page (401 JSON for JSON clients); signed-in users
without the role get 403. :func:`check_policies` (run by ``create_app``) refuses to build an app
with an endpoint that has no policy.

The signed-in user is reloaded from the database on each request (:func:`current_user`); a user
who was deactivated, whose password changed since the sign-in, or whose sign-in is older than
SESSION_LIFETIME_MINUTES is signed out. :func:`login_user` starts a new session (new id with
server-side sessions), so a session id planted before sign-in is worthless.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Forbidden, Unauthorized
from werkzeug.routing import BuildError

from coati_payroll.db.models import Role, User
from coati_payroll.services.actor import Actor
from coati_payroll.web.sessions import regenerate_session

__all__ = [
    "ADMIN_AREA",
    "ADMIN_ONLY",
    "ANY_ROLE",
    "DEFAULT_POLICY",
    "EDITORS",
    "PUBLIC",
    "PUBLIC_POLICY",
    "SIGNED_IN",
    "Access",
    "Policy",
    "check_policies",
    "current_actor",
    "current_user",
    "feature_blueprint",
    "login_user",
    "logout_user",
    "policy",
    "policy_for",
    "public",
    "refresh_login",
    "requires",
    "role_label",
    "safe_next_url",
    "url_if_allowed",
    "wants_json",
]

READ_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_VIEW_ATTRIBUTE: Final = "coati_policy"
_SESSION_USER: Final = "user_id"
_SESSION_FINGERPRINT: Final = "auth_fp"
_SESSION_SIGNED_IN_AT: Final = "auth_at"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Access:
    """Who may use a method: nobody needs to sign in (``public``), or one of ``roles``."""

    roles: frozenset[Role]
    public: bool = False

    def allows(self, role: Role | None) -> bool:
        return self.public or (role is not None and role in self.roles)


PUBLIC: Final = Access(frozenset(), public=True)
ANY_ROLE: Final = Access(frozenset(Role))
EDITORS: Final = Access(frozenset({Role.ADMIN, Role.HR}))
ADMIN_ONLY: Final = Access(frozenset({Role.ADMIN}))


@dataclass(frozen=True, slots=True)
class Policy:
    """Access for reads (GET, HEAD, OPTIONS) and for writes (every other method)."""

    read: Access
    write: Access

    def for_method(self, method: str) -> Access:
        return self.read if method.upper() in READ_METHODS else self.write


#: Read = any signed-in role; write = admin or hr. The default for payroll features.
DEFAULT_POLICY: Final = Policy(read=ANY_ROLE, write=EDITORS)
#: Everything admin only (user administration, system settings).
ADMIN_AREA: Final = Policy(read=ADMIN_ONLY, write=ADMIN_ONLY)
#: No sign-in needed (health checks, static files, the login page).
PUBLIC_POLICY: Final = Policy(read=PUBLIC, write=PUBLIC)
#: Any signed-in role, for reads and writes (own password, own language, sign-out).
SIGNED_IN: Final = Policy(read=ANY_ROLE, write=ANY_ROLE)


@dataclass
class PolicyRegistry:
    """Blueprint name → default policy; kept in ``app.extensions["coati.policies"]``."""

    blueprints: dict[str, Policy] = field(default_factory=dict)


# -- declaring ----------------------------------------------------------------------------------


def feature_blueprint(name: str, import_name: str, *, policy: Policy,
                      url_prefix: str | None = None) -> Blueprint:
    """A blueprint for a feature package, with its ``templates`` folder and default ``policy``.

    Put the templates in ``<package>/templates/<name>/…`` so that names never collide.
    """
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix, template_folder="templates")

    def record(state: Any) -> None:
        _registry(state.app).blueprints[blueprint.name] = policy

    blueprint.record_once(record)
    return blueprint


def policy(*, read: Access, write: Access) -> Callable[[F], F]:
    """Give one view its own policy, overriding its blueprint's default."""
    chosen = Policy(read=read, write=write)

    def decorate(view: F) -> F:
        setattr(view, _VIEW_ATTRIBUTE, chosen)
        return view

    return decorate


def requires(*roles: Role) -> Callable[[F], F]:
    """Only these roles may use the view, whatever the method: ``@requires(Role.ADMIN)``."""
    access = Access(frozenset(roles))
    return policy(read=access, write=access)


def public(view: F) -> F:
    """The view needs no sign-in (for any method)."""
    setattr(view, _VIEW_ATTRIBUTE, PUBLIC_POLICY)
    return view


def _registry(app: Flask) -> PolicyRegistry:
    registry = app.extensions.setdefault("coati.policies", PolicyRegistry())
    assert isinstance(registry, PolicyRegistry)
    return registry


def policy_for(app: Flask, endpoint: str) -> Policy | None:
    """The policy of ``endpoint``: the view's own, else its blueprint's; None when it has none."""
    if endpoint == "static":
        return PUBLIC_POLICY
    view = app.view_functions.get(endpoint)
    own = getattr(view, _VIEW_ATTRIBUTE, None)
    if isinstance(own, Policy):
        return own
    blueprint, dot, _ = endpoint.rpartition(".")
    if dot:
        return _registry(app).blueprints.get(blueprint)
    return None


def check_policies(app: Flask) -> None:
    """Raise ``RuntimeError`` naming every endpoint that has no policy (fail closed)."""
    missing = sorted(e for e in app.view_functions if policy_for(app, e) is None)
    if missing:
        raise RuntimeError(
            "these endpoints have no access policy (make their blueprint with "
            "security.feature_blueprint(…, policy=…) or decorate them with @requires/@public/"
            f"@policy): {', '.join(missing)}"
        )


# -- the signed-in user -------------------------------------------------------------------------


def _fingerprint(user: User) -> str:
    """Changes when the password changes, so that other sessions of the user end."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]


def current_user() -> User | None:
    """The signed-in, active user of this request, or None."""
    return getattr(g, "coati_user", None)


def current_actor() -> Actor:
    """The :class:`Actor` for service calls; raises ``Unauthorized`` when nobody signed in."""
    user = current_user()
    if user is None:
        raise Unauthorized()
    return Actor(username=user.username, user_id=user.id)


def _load_user() -> None:
    g.coati_user = None
    user_id = session.get(_SESSION_USER)
    if user_id is None:
        return
    from coati_payroll.web.extensions import db_session, state

    user = db_session().get(User, user_id)
    signed_in_at = session.get(_SESSION_SIGNED_IN_AT, 0)
    lifetime = state().settings.session_lifetime.total_seconds()
    if user is None or not user.active or session.get(_SESSION_FINGERPRINT) != _fingerprint(user):
        logout_user()
        return
    if time.time() - float(signed_in_at) > lifetime:
        logout_user()
        flash(_("Your session expired. Please sign in again."), "info")
        return
    g.coati_user = user


def login_user(user: User) -> None:
    """Start a fresh session for ``user`` (a new session id: no session fixation)."""
    language = session.get("language")
    session.clear()
    regenerate_session(session)
    session.permanent = True
    session[_SESSION_USER] = user.id
    session[_SESSION_FINGERPRINT] = _fingerprint(user)
    session[_SESSION_SIGNED_IN_AT] = time.time()
    if language:
        session["language"] = language
    g.coati_user = user


def refresh_login(user: User) -> None:
    """After the user changed their own password: keep this session, end the others."""
    session[_SESSION_FINGERPRINT] = _fingerprint(user)
    regenerate_session(session)


def logout_user() -> None:
    session.clear()
    regenerate_session(session)
    g.coati_user = None


# -- enforcing ----------------------------------------------------------------------------------


def wants_json() -> bool:
    """True when the client prefers JSON to HTML (API calls, fetch() with Accept: JSON)."""
    if request.is_json or request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"]


def _enforce() -> ResponseReturnValue | None:
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: the 404/405 handler answers
        return None
    chosen = policy_for(current_app, endpoint)
    if chosen is None:  # check_policies makes this unreachable; fail closed anyway
        current_app.logger.error("endpoint %s has no access policy; refused", endpoint)
        raise Forbidden()
    access = chosen.for_method(request.method)
    if access.public:
        return None
    user = current_user()
    if user is None:
        if wants_json():
            raise Unauthorized()
        flash(_("Please sign in to continue."), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not access.allows(user.role):
        raise Forbidden()
    return None


def safe_next_url(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site (no scheme, no host, not ``//…``), else
    ``default``: never redirect a user to another site after sign-in."""
    if not target or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return default
    return target


def init_security(app: Flask) -> None:
    _registry(app)
    app.before_request(_load_user)
    app.before_request(_enforce)

    @app.context_processor
    def inject_user() -> dict[str, Any]:
        return {"current_user": current_user(), "can_access": can_access,
                "url_if_allowed": url_if_allowed, "role_label": role_label}


def can_access(endpoint: str, method: str = "GET") -> bool:
    """Whether the current user may call ``endpoint`` (False when it does not exist).
    Templates use it to hide links to pages a colleague has not added yet or that the role
    may not see."""
    if endpoint not in current_app.view_functions:
        return False
    chosen = policy_for(current_app, endpoint)
    if chosen is None:
        return False
    user = current_user()
    return chosen.for_method(method).allows(None if user is None else user.role)


def url_if_allowed(endpoint: str, **values: Any) -> str | None:
    """The URL of ``endpoint`` when it exists, the user may open it and ``values`` fit its
    rule; else None. Templates use it to link to pages other features may or may not add."""
    if not can_access(endpoint):
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


ROLE_LABELS: Final = {
    Role.ADMIN: _l("Administrator"),
    Role.HR: _l("Human resources"),
    Role.AUDIT: _l("Auditor"),
}


def role_label(role: Role | str) -> str:
    """The translated name of a role."""
    try:
        return str(ROLE_LABELS[Role(role)])
    except ValueError:
        return str(role)
