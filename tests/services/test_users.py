"""User services: accounts, password policy, activation and authentication."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from coati_payroll.db.models import AuditEntry, Language, Role, User
from coati_payroll.services import users as svc
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState, NotFound

ACTOR = Actor("tester")
GOOD = "correct horse battery"


def count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def refused(session: Session, call, *args, **kw) -> dict[str, str]:
    before = (count(session, User), count(session, AuditEntry))
    with pytest.raises(InvalidInput) as caught:
        call(session, ACTOR, *args, **kw)
    assert not session.new
    assert (count(session, User), count(session, AuditEntry)) == before
    return caught.value.problems


def make(session, username="ana", role="hr", password=GOOD, **kw) -> User:
    return svc.create_user(session, ACTOR, svc.UserData(username, password, role, **kw))


def test_create_user(session):
    user = make(session, " Ana.Lopez ", role="admin", email="ana@example.org", language="es")
    assert (user.username, user.role, user.language, user.active) == (
        "ana.lopez", Role.ADMIN, Language.ES, True)
    assert user.password_hash.startswith("$argon2id$") and GOOD not in user.password_hash
    entry = session.scalars(sa.select(AuditEntry)).one()
    assert entry.action == "user.create" and entry.after["role"] == "admin"
    assert "password_hash" not in entry.after and GOOD not in str(entry.after)
    assert svc.find_user(session, "ANA.LOPEZ") is user


def test_create_user_refusals(session):
    make(session)
    assert refused(session, svc.create_user, svc.UserData("ANA", GOOD, "hr")) == {
        "username": "a user ana already exists"}
    assert refused(session, svc.create_user, svc.UserData(
        "9x", "short", "boss", email="nope", language="fr")) == {
        "username": "3-80 characters: letters, digits, '.', '_' or '-', starting with a letter",
        "password": "at least 10 characters",
        "role": "one of admin, hr, audit",
        "language": "one of en, es",
        "email": "not an e-mail address",
    }
    assert refused(session, svc.create_user, svc.UserData("bob", " " * 12, "hr")) == {
        "password": "must not be only blanks"}
    assert refused(session, svc.create_user, svc.UserData("bobbybobby", "BobbyBobby", "hr")
                   ) == {"password": "must not be the username"}
    assert refused(session, svc.create_user, svc.UserData("bob", "x" * 1025, "hr")) == {
        "password": "at most 1024 characters"}
    assert refused(session, svc.create_user, svc.UserData("a b", GOOD, "hr"))["username"]


def test_list_find_and_update(session):
    admin = make(session, "root", role="admin")
    ana = make(session, "ana")
    assert svc.list_users(session) == [ana, admin]
    svc.update_user(session, ACTOR, ana, role="audit", email=" a@b.c ", language="es")
    assert (ana.role, ana.email, ana.language) == (Role.AUDIT, "a@b.c", Language.ES)
    assert refused(session, svc.update_user, admin, role="hr", email=None, language="xx") == {
        "role": "the last active admin must stay admin", "language": "one of en, es"}
    with pytest.raises(NotFound):
        svc.find_user(session, "nobody")


def test_activation_and_last_admin(session):
    admin = make(session, "root", role="admin")
    ana = make(session, "ana")
    svc.set_user_active(session, ACTOR, ana, False)
    assert svc.list_users(session, active_only=True) == [admin]
    with pytest.raises(InvalidState, match="already inactive"):
        svc.set_user_active(session, ACTOR, ana, False)
    with pytest.raises(InvalidState, match="last active admin"):
        svc.set_user_active(session, ACTOR, admin, False)
    svc.set_user_active(session, ACTOR, ana, True)
    actions = list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["user.deactivate", "user.activate"]


def test_authenticate(session):
    user = make(session)
    assert user.last_login_at is None
    assert svc.authenticate(session, " ANA ", GOOD) is user
    assert user.last_login_at is not None
    assert svc.authenticate(session, "ana", "wrong password") is None
    assert svc.authenticate(session, "nobody", GOOD) is None
    assert svc.authenticate(session, "ana", "x" * 5000) is None
    svc.set_user_active(session, ACTOR, user, False)
    assert svc.authenticate(session, "ana", GOOD) is None


def test_authenticate_rehashes_weak_hashes(session, factory):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(GOOD)
    user = factory.user(username="old", password_hash=weak)
    assert user.password_needs_rehash()
    assert svc.authenticate(session, "old", GOOD) is user
    assert user.password_hash != weak and not user.password_needs_rehash()
    assert svc.authenticate(session, "old", GOOD) is user


def test_set_password_and_change_own_password(session):
    user = make(session)
    assert refused(session, svc.set_password, user, "short") == {
        "password": "at least 10 characters"}
    svc.set_password(session, ACTOR, user, "another good one")
    assert svc.authenticate(session, "ana", "another good one") is user
    assert refused(session, svc.change_own_password, user, "wrong", "tiny") == {
        "current_password": "incorrect", "new_password": "at least 10 characters"}
    assert refused(session, svc.change_own_password, user, "another good one",
                   "another good one") == {
        "new_password": "must differ from the current password"}
    svc.change_own_password(session, ACTOR, user, "another good one", "third password!")
    assert svc.authenticate(session, "ana", "third password!") is user
    assert svc.authenticate(session, "ana", "another good one") is None
    actions = list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["user.create", "user.set_password", "user.change_password"]
