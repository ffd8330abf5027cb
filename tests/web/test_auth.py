"""Sign-in, sign-out, inactive users, own password, session ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.db.models import AuditEntry, User


def test_sign_in_and_out(client: FlaskClient, users: Any, login: Callable[..., Any],
                         csrf_token: Callable[..., str]) -> None:
    response = login(client, "admin")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "admin" in page.get_data(as_text=True)
    token = csrf_token(client, "/auth/password")
    response = client.post("/auth/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert client.get("/").status_code == 302  # signed out


def test_logout_is_post_only(client: FlaskClient, users: Any, login: Callable[..., Any]) -> None:
    login(client, "hr")
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/").status_code == 200  # still signed in


def test_wrong_password_is_refused(client: FlaskClient, users: Any,
                                   login: Callable[..., Any]) -> None:
    response = login(client, "admin", "not-the-password")
    assert response.status_code == 200
    assert "Invalid username or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_answer(client: FlaskClient, users: Any,
                                           login: Callable[..., Any]) -> None:
    response = login(client, "nobody", "whatever")
    assert response.status_code == 200
    assert "Invalid username or password." in response.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(client: FlaskClient, users: Any,
                                      login: Callable[..., Any]) -> None:
    response = login(client, "gone")  # the right password
    assert response.status_code == 200
    assert "Invalid username or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_deactivated_user_loses_the_open_session(client: FlaskClient, users: Any,
                                                 login: Callable[..., Any],
                                                 session: Session) -> None:
    login(client, "hr")
    assert client.get("/").status_code == 200
    session.execute(sa.update(User).where(User.username == "hr").values(active=False))
    session.commit()
    assert client.get("/").status_code == 302


def test_next_goes_back_to_the_page_asked_for(client: FlaskClient, users: Any,
                                              login: Callable[..., Any]) -> None:
    first = client.get("/auth/password")
    assert first.status_code == 302
    assert first.headers["Location"] == "/auth/login?next=/auth/password"
    response = login(client, "audit", next="/auth/password")
    assert response.headers["Location"] == "/auth/password"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "javascript:alert(1)", "\\\\evil.example"])
def test_next_never_leaves_the_site(client: FlaskClient, users: Any,
                                    login: Callable[..., Any], target: str) -> None:
    response = login(client, "audit", next=target)
    assert response.headers["Location"] == "/"


def test_sign_in_starts_a_new_session(client: FlaskClient, users: Any,
                                      login: Callable[..., Any]) -> None:
    client.get("/auth/login")
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
    login(client, "admin")
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after.permanent


def _change(client: FlaskClient, csrf_token: Callable[..., str], current: str, new: str,
            confirm: str | None = None) -> Any:
    token = csrf_token(client, "/auth/password")
    return client.post("/auth/password", data={
        "csrf_token": token, "current_password": current, "new_password": new,
        "confirm_password": new if confirm is None else confirm})


def test_change_password(app: Flask, client: FlaskClient, users: Any, login: Callable[..., Any],
                         csrf_token: Callable[..., str], session: Session) -> None:
    other = app.test_client()
    login(client, "audit")  # audit is read-only, but may change its own password
    login(other, "audit")
    response = _change(client, csrf_token, "password", "a much better secret")
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session goes on
    assert other.get("/").status_code == 302  # the other session ended
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/password")})
    assert login(client, "audit").status_code == 200  # old password refused
    assert login(client, "audit", "a much better secret").status_code == 302
    actions = session.scalars(sa.select(AuditEntry.action)).all()
    assert "user.change_password" in actions


def test_change_password_errors_are_shown_next_to_fields(client: FlaskClient, users: Any,
                                                         login: Callable[..., Any],
                                                         csrf_token: Callable[..., str]) -> None:
    login(client, "hr")
    response = _change(client, csrf_token, "wrong", "a much better secret")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="current_password-errors"' in page
    assert "incorrect" in page
    response = _change(client, csrf_token, "password", "short")
    assert response.status_code == 422
    assert "at least 10 characters" in response.get_data(as_text=True)
    response = _change(client, csrf_token, "password", "a much better secret", "different")
    assert response.status_code == 422
    assert "The two new passwords differ." in response.get_data(as_text=True)


def test_session_lifetime_ends_the_sign_in(make_app: Callable[..., Flask],
                                           make_settings: Callable[..., Any], users: Any,
                                           login: Callable[..., Any],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from coati_payroll.web import security

    app = make_app(make_settings(SESSION_LIFETIME_MINUTES="1"))
    assert app.permanent_session_lifetime.total_seconds() == 60
    client = app.test_client()
    login(client, "hr")
    assert client.get("/").status_code == 200
    later = time.time() + 61
    monkeypatch.setattr(security.time, "time", lambda: later)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_signed_in_user_is_sent_away_from_the_login_page(client: FlaskClient, users: Any,
                                                         login: Callable[..., Any]) -> None:
    login(client, "hr")
    response = client.get("/auth/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
