"""payrollctl users: create, list, set-password, deactivate, ensure-admin; exit codes."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from coati_payroll.cli.main import payrollctl
from coati_payroll.db.models import AuditEntry, User


@pytest.fixture
def run(db_url, engine):
    def invoke(*args: str, input: str | None = None, **env: str):
        return CliRunner().invoke(payrollctl, list(args), input=input,
                                  env={"DATABASE_URL": db_url, "ENVIRONMENT": "test", **env})
    return invoke


def test_create_list_and_json(run, session):
    result = run("users", "create", "Ana", "--role", "hr", "--password-stdin",
                 input="correct horse battery\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "created user ana (hr)"
    listed = run("users", "list", "--json")
    assert listed.exit_code == 0
    users = json.loads(listed.stdout)["users"]
    assert [(u["username"], u["role"], u["active"]) for u in users] == [("ana", "hr", True)]
    user = session.scalar(sa.select(User))
    assert user.check_password("correct horse battery")
    assert session.scalar(sa.select(AuditEntry.action)) == "user.create"


def test_bad_password_and_taken_name_exit_2_with_the_reason(run, session):
    result = run("users", "create", "ana", "--role", "hr", "--password-stdin", input="short\n")
    assert result.exit_code == 2
    assert "password: at least 10 characters" in result.stderr
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    run("users", "create", "ana", "--role", "hr", "--password-stdin", input="a long password\n")
    again = run("users", "create", "ana", "--role", "hr", "--password-stdin", "--json",
                input="a long password\n")
    assert again.exit_code == 2
    assert json.loads(again.stdout)["error"] == "invalid_input"


def test_prompted_password_must_be_confirmed(run):
    result = run("users", "create", "ana", "--role", "audit",
                 input="first password\nsecond password\nfirst password\nfirst password\n")
    assert result.exit_code == 0, result.output
    assert "do not match" in result.stderr


def test_set_password_and_unknown_user(run, session):
    run("users", "create", "ana", "--role", "hr", "--password-stdin", input="a long password\n")
    result = run("users", "set-password", "ana", "--password-stdin", input="another password\n")
    assert result.exit_code == 0, result.output
    assert session.scalar(sa.select(User)).check_password("another password")
    missing = run("users", "set-password", "nobody", "--password-stdin", input="x" * 12)
    assert missing.exit_code == 1 and "no user nobody" in missing.stderr


def test_the_last_admin_cannot_be_deactivated(run, session):
    run("users", "create", "boss", "--role", "admin", "--password-stdin",
        input="a long password\n")
    result = run("users", "deactivate", "boss", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["message"].startswith("boss is the last active admin")
    run("users", "create", "ana", "--role", "hr", "--password-stdin", input="a long password\n")
    assert run("users", "deactivate", "ana").exit_code == 0
    assert run("users", "deactivate", "ana").exit_code == 1
    assert run("users", "list").stdout.count("\n") == 2  # header + boss
    assert "ana" in run("users", "list", "--all").stdout
    assert run("users", "activate", "ana").exit_code == 0


def test_ensure_admin_creates_the_admin_once(run, session):
    env = {"ADMIN_USER": "root-admin", "ADMIN_PASSWORD": "a strong password"}
    first = run("users", "ensure-admin", "--json", **env)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"created": True, "username": "root-admin"}
    second = run("users", "ensure-admin", **{**env, "ADMIN_USER": "someone-else"})
    assert "an active admin exists (root-admin)" in second.stdout
    admin = session.scalar(sa.select(User))
    assert admin.role.value == "admin" and admin.check_password("a strong password")


def test_development_default_admin_is_accepted(run, session):
    result = run("users", "ensure-admin")
    assert result.exit_code == 0, result.output
    assert session.scalar(sa.select(User.username)) == "coati-admin"


def test_environment_problems_exit_3(run, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    bad = run("users", "list", DATABASE_URL=f"sqlite:///{tmp_path}/a-file/x.db")
    assert bad.exit_code == 3 and "cannot use the database" in bad.stderr
    settings = run("users", "list", PORT="0")
    assert settings.exit_code == 3 and "invalid settings" in settings.stderr
