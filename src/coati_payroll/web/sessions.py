"""Where sessions live: in Redis when SESSION_REDIS_URL is set, else in Flask's signed cookie.

Redis sessions (:class:`RedisSessionInterface`): the cookie holds only a random 256-bit session
id; the data is stored under ``<prefix><id>`` with a time-to-live of SESSION_LIFETIME_MINUTES,
renewed when the session is saved. Signing out deletes the key, so a copied cookie dies with
it. :func:`regenerate_session` gives the session a new id (the old key is deleted on save);
``security.login_user`` calls it so that an id planted before sign-in is worthless.

Cookie sessions: the data is signed with SECRET_KEY (readable by the user, not changeable);
Flask rejects cookies older than the lifetime. Sign-out clears the cookie, but a copy taken
before stays valid until it expires — one reason to use Redis sessions in production.

Either way the cookie is HttpOnly, SameSite=Lax and (in production) Secure; ``app.py`` sets
those flags.

A request without a session cookie (health checks, first visits) never touches Redis; a session
store that is down makes the request anonymous (logged), and /ready reports it.
"""

from __future__ import annotations

import logging
import secrets
import string
from typing import Any, Final

import redis
from flask import Flask, Request, Response
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

__all__ = ["RedisSession", "RedisSessionInterface", "init_sessions", "regenerate_session"]

log = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX: Final = "coati:session:"
_ID_ALPHABET: Final = frozenset(string.ascii_letters + string.digits + "-_")
_ID_LENGTH: Final = 43  # secrets.token_urlsafe(32)


class RedisSession(CallbackDict[str, Any], SessionMixin):
    """Session data plus its id; ``modified`` is set by any change."""

    def __init__(self, initial: dict[str, Any] | None = None, sid: str | None = None,
                 new: bool = False) -> None:
        def on_update(_: object) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.sid = sid
        self.new = new
        self.modified = False
        self.previous_sid: str | None = None

    def regenerate(self) -> None:
        """Use a new id from now on; the old one is deleted when the session is saved."""
        if self.sid is not None and self.previous_sid is None:
            self.previous_sid = self.sid
        self.sid = None
        self.modified = True


def regenerate_session(session: SessionMixin) -> None:
    """Give ``session`` a new id where the backend has ids (a cookie session is re-signed
    anyway, since its contents changed)."""
    if isinstance(session, RedisSession):
        session.regenerate()


class RedisSessionInterface(SessionInterface):
    serializer = TaggedJSONSerializer()

    def __init__(self, client: redis.Redis, key_prefix: str = DEFAULT_KEY_PREFIX) -> None:
        self.client = client
        self.key_prefix = key_prefix

    def _key(self, sid: str) -> str:
        return f"{self.key_prefix}{sid}"

    def open_session(self, app: Flask, request: Request) -> RedisSession | None:
        sid = request.cookies.get(self.get_cookie_name(app))
        if not sid or len(sid) != _ID_LENGTH or not set(sid) <= _ID_ALPHABET:
            return RedisSession(new=True)
        try:
            raw = self.client.get(self._key(sid))
        except redis.RedisError as error:
            log.error("session store unreachable, request treated as anonymous: %s", error)
            return None  # Flask falls back to a null session (read-only, empty)
        if raw is None:
            return RedisSession(new=True)
        try:
            data = self.serializer.loads(raw.decode() if isinstance(raw, bytes) else str(raw))
        except ValueError:
            log.warning("unreadable session data under %s; starting a new session", sid[:6])
            return RedisSession(new=True)
        return RedisSession(data, sid=sid)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, RedisSession)
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        if session.previous_sid is not None:
            self.client.delete(self._key(session.previous_sid))
            session.previous_sid = None
        if not session:
            if session.modified:
                if session.sid is not None:
                    self.client.delete(self._key(session.sid))
                response.delete_cookie(name, domain=domain, path=path)
            return
        if not (session.modified or self.should_set_cookie(app, session)):
            return
        if session.sid is None:
            session.sid = secrets.token_urlsafe(32)
        lifetime = app.permanent_session_lifetime
        self.client.setex(self._key(session.sid), lifetime,
                          self.serializer.dumps(dict(session)))
        response.set_cookie(
            name, session.sid, expires=self.get_expiration_time(app, session),
            httponly=self.get_cookie_httponly(app), domain=domain, path=path,
            secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")


def init_sessions(app: Flask, session_redis_url: str | None) -> None:
    """Use Redis sessions when ``session_redis_url`` is set; keep Flask's cookie otherwise.
    ``app.config["SESSION_KEY_PREFIX"]`` overrides the key prefix (tests use a unique one)."""
    if session_redis_url is None:
        return
    client = redis.Redis.from_url(session_redis_url, socket_timeout=2, socket_connect_timeout=2)
    prefix = app.config.get("SESSION_KEY_PREFIX", DEFAULT_KEY_PREFIX)
    app.session_interface = RedisSessionInterface(client, prefix)
