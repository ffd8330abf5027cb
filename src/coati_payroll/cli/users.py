"""``payrollctl users``: accounts from the command line (create, list, passwords, activation,
and the start-up admin). Passwords are never taken as arguments (they would show in the
process list and the shell history): they are prompted for, or read from stdin with
``--password-stdin``."""

from __future__ import annotations

import sys

import click

from coati_payroll.cli.context import load_settings, unit_of_work_factory
from coati_payroll.cli.output import (
    EXIT_BAD_INPUT,
    emit,
    fail,
    handle_errors,
    json_option,
    table,
)

ACTOR_NAME = "payrollctl"
password_stdin = click.option(
    "--password-stdin", is_flag=True,
    help="Read the password from the first line of standard input (for scripts).")


def _password(from_stdin: bool, as_json: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            fail(EXIT_BAD_INPUT, "no password on standard input", as_json, error="invalid_input")
        return password
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                              err=True)
    return value


def _user_dict(user: object) -> dict[str, object]:
    names = ("username", "email", "role", "language", "active", "last_login_at", "created_at")
    return {name: getattr(user, name) for name in names}


@click.group()
def users() -> None:
    """Manage user accounts (roles: admin, hr, audit)."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "hr", "audit"]), required=True,
              help="admin: everything; hr: payroll work; audit: read-only.")
@click.option("--email", default=None, help="E-mail address (optional).")
@click.option("--language", type=click.Choice(["en", "es"]), default="en", show_default=True)
@password_stdin
@json_option
@handle_errors
def create(username: str, role: str, email: str | None, language: str, password_stdin: bool,
           as_json: bool) -> None:
    """Create an active user USERNAME (3-80 lower-case letters, digits, '.', '_', '-').

    The password needs at least 10 characters and must not be the username. Exit 2 when a
    value is refused (the message names it), e.g. the name is taken."""
    from coati_payroll.services import users as service
    from coati_payroll.services.actor import Actor

    password = _password(password_stdin, as_json)
    with unit_of_work_factory(load_settings()) as new_uow, new_uow() as uow:
        user = service.create_user(uow.session, Actor.system(ACTOR_NAME), service.UserData(
            username=username, password=password, role=role, email=email, language=language))
        uow.commit()
        emit(_user_dict(user), as_json, f"created user {user.username} ({user.role.value})")


@users.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include inactive users.")
@json_option
@handle_errors
def list_(show_all: bool, as_json: bool) -> None:
    """List the users (active ones unless --all)."""
    from coati_payroll.services import users as service

    with unit_of_work_factory(load_settings()) as new_uow, new_uow() as uow:
        found = service.list_users(uow.session, active_only=not show_all)
        rows = [_user_dict(u) for u in found]
    text = table(["username", "role", "active", "email", "last login"],
                 [[r["username"], getattr(r["role"], "value", r["role"]),
                   "yes" if r["active"] else "no", r["email"] or "",
                   r["last_login_at"] or "never"] for r in rows])
    emit({"users": rows}, as_json, text)


@users.command("set-password")
@click.argument("username")
@password_stdin
@json_option
@handle_errors
def set_password(username: str, password_stdin: bool, as_json: bool) -> None:
    """Set USERNAME's password (exit 1 if there is no such user, 2 if the password is
    refused by the policy)."""
    from coati_payroll.services import users as service
    from coati_payroll.services.actor import Actor

    with unit_of_work_factory(load_settings()) as new_uow, new_uow() as uow:
        user = service.find_user(uow.session, username)
        password = _password(password_stdin, as_json)
        service.set_password(uow.session, Actor.system(ACTOR_NAME), user, password)
        uow.commit()
        emit({"username": user.username, "password_changed": True}, as_json,
             f"password of {user.username} changed")


def _set_active(username: str, active: bool, as_json: bool) -> None:
    from coati_payroll.services import users as service
    from coati_payroll.services.actor import Actor

    with unit_of_work_factory(load_settings()) as new_uow, new_uow() as uow:
        user = service.find_user(uow.session, username)
        service.set_user_active(uow.session, Actor.system(ACTOR_NAME), user, active)
        uow.commit()
        emit(_user_dict(user), as_json,
             f"{user.username} {'activated' if active else 'deactivated'}")


@users.command("deactivate")
@click.argument("username")
@json_option
@handle_errors
def deactivate(username: str, as_json: bool) -> None:
    """Deactivate USERNAME: it can no longer sign in (history keeps it). Exit 1 for an
    unknown or already inactive user, or the last active admin."""
    _set_active(username, False, as_json)


@users.command("activate")
@click.argument("username")
@json_option
@handle_errors
def activate(username: str, as_json: bool) -> None:
    """Reactivate USERNAME (exit 1 if unknown or already active)."""
    _set_active(username, True, as_json)


@users.command("ensure-admin")
@json_option
@handle_errors
def ensure_admin(as_json: bool) -> None:
    """Create the admin ADMIN_USER with ADMIN_PASSWORD when no active admin exists (what
    the web application does at start-up). Does nothing when one exists."""
    from coati_payroll.services.bootstrap import ensure_admin as bootstrap

    settings = load_settings()
    with unit_of_work_factory(settings) as new_uow:
        result = bootstrap(new_uow(), settings)
    emit({"created": result.created, "username": result.username}, as_json,
         f"created admin {result.username}" if result.created
         else f"an active admin exists ({result.username}); nothing to do")
