"""User administration (admin only): list, create, edit, reset password, activate and
deactivate; good and bad input; Spanish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy.orm import Session

from coati_payroll.db.models import Role, User


def _admin(client: FlaskClient, login: Callable[..., Any]) -> FlaskClient:
    assert login(client, "admin").status_code == 302
    return client


def _usernames(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(sa.select(User.username).order_by(User.username)))


def _user(session: Session, username: str) -> User:
    session.expire_all()
    return session.scalars(sa.select(User).where(User.username == username)).one()


def test_only_admin(client: FlaskClient, users: Any, login: Callable[..., Any]) -> None:
    assert login(client, "hr").status_code == 302
    assert client.get("/users/").status_code == 403
    assert client.get("/settings/").status_code == 403


def test_list(client: FlaskClient, users: Any, login: Callable[..., Any]) -> None:
    _admin(client, login)
    page = client.get("/users/").get_data(as_text=True)
    for name in ("admin", "hr", "audit", "gone"):
        assert name in page
    assert "Human resources" in page and "Auditor" in page and "Inactive" in page


def test_create(client: FlaskClient, users: Any, login: Callable[..., Any],
                csrf_token: Callable[..., str], session: Session) -> None:
    _admin(client, login)
    response = client.post("/users/new", data={
        "csrf_token": csrf_token(client, "/users/new"), "username": " Maria.Lopez ",
        "role": "audit", "email": "maria@example.com", "language": "es",
        "password": "a long password", "confirm_password": "a long password"})
    assert response.status_code == 302
    assert "User maria.lopez created." in client.get("/users/").get_data(as_text=True)
    user = _user(session, "maria.lopez")
    assert (user.role, str(user.language), user.email) == (Role.AUDIT, "es",
                                                           "maria@example.com")
    assert user.check_password("a long password")


def test_create_bad_input(client: FlaskClient, users: Any, login: Callable[..., Any],
                          csrf_token: Callable[..., str], session: Session) -> None:
    _admin(client, login)
    token = csrf_token(client, "/users/new")
    before = _usernames(session)
    response = client.post("/users/new", data={
        "csrf_token": token, "username": "x", "role": "boss", "email": "nope",
        "language": "en", "password": "short", "confirm_password": "other"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert str(escape("Use 3-80 letters, digits, '.', '_' or '-', starting with a letter.")) in page
    assert "Not a valid choice" in page
    assert "Enter an e-mail address such as ana@example.com." in page
    assert "At least 10 characters." in page and "The two passwords differ." in page
    assert 'value="x"' in page and 'value="short"' not in page  # passwords never echoed
    response = client.post("/users/new", data={
        "csrf_token": token, "username": "Audit", "role": "hr", "language": "en",
        "password": "hr-password-1", "confirm_password": "hr-password-1"})
    assert response.status_code == 422
    assert "a user audit already exists" in response.get_data(as_text=True)
    response = client.post("/users/new", data={
        "csrf_token": token, "username": "newbie", "role": "hr", "language": "en",
        "password": "newbie    ", "confirm_password": "newbie    "})
    assert "must not be the username" in response.get_data(as_text=True)
    assert _usernames(session) == before


def test_edit(client: FlaskClient, users: Any, login: Callable[..., Any],
              csrf_token: Callable[..., str], session: Session) -> None:
    _admin(client, login)
    hr = users["hr"].id
    url = f"/users/{hr}/edit"
    assert '<option selected value="hr">' in client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    bad = client.post(url, data={"csrf_token": token, "role": "hr", "language": "fr",
                                 "email": "x"})
    assert bad.status_code == 422
    assert _user(session, "hr").language == "en"
    good = client.post(url, data={"csrf_token": token, "role": "audit", "language": "es",
                                  "email": "hr@example.com"})
    assert good.status_code == 302
    user = _user(session, "hr")
    assert (user.role, str(user.language), user.email) == (Role.AUDIT, "es", "hr@example.com")
    admin = users["admin"].id
    last = client.post(f"/users/{admin}/edit", data={
        "csrf_token": token, "role": "hr", "language": "en"})
    assert last.status_code == 422
    assert "the last active admin must stay admin" in last.get_data(as_text=True)
    assert _user(session, "admin").role is Role.ADMIN
    assert client.get("/users/999999/edit").status_code == 404


def test_reset_password(client: FlaskClient, users: Any, login: Callable[..., Any],
                        csrf_token: Callable[..., str], session: Session) -> None:
    _admin(client, login)
    url = f"/users/{users['hr'].id}/password"
    token = csrf_token(client, url)
    bad = client.post(url, data={"csrf_token": token, "password": "hr",
                                 "confirm_password": "hr"})
    assert bad.status_code == 422 and "At least 10 characters." in bad.get_data(as_text=True)
    assert _user(session, "hr").check_password("password")
    good = client.post(url, data={"csrf_token": token, "password": "brand new secret",
                                  "confirm_password": "brand new secret"}, follow_redirects=True)
    assert "The password of hr has been reset" in good.get_data(as_text=True)
    assert _user(session, "hr").check_password("brand new secret")


def test_activate_and_deactivate(client: FlaskClient, users: Any, login: Callable[..., Any],
                                 csrf_token: Callable[..., str], session: Session) -> None:
    _admin(client, login)
    token = csrf_token(client, "/users/")
    page = client.post(f"/users/{users['hr'].id}/deactivate", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "User hr deactivated." in page
    assert _user(session, "hr").active is False
    page = client.post(f"/users/{users['admin'].id}/deactivate", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "admin is the last active admin and cannot be deactivated" in page
    page = client.post(f"/users/{users['gone'].id}/activate", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "User gone activated." in page
    assert client.post("/users/999999/activate", data={"csrf_token": token}).status_code == 404


def test_spanish(client: FlaskClient, users: Any, login: Callable[..., Any],
                 csrf_token: Callable[..., str]) -> None:
    _admin(client, login)
    client.post("/auth/language", data={"csrf_token": csrf_token(client, "/users/"),
                                        "language": "es"})
    page = client.get("/users/").get_data(as_text=True)
    assert "Usuarios" in page and "Nuevo usuario" in page and "Restablecer contraseña" in page
    response = client.post("/users/new", data={
        "csrf_token": csrf_token(client, "/users/new"), "username": "audit", "role": "hr",
        "language": "en", "password": "hr-password-1", "confirm_password": "hr-password-1"})
    assert "ya existe un usuario audit" in response.get_data(as_text=True)
