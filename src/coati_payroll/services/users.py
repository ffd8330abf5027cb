"""Users: accounts, roles, passwords and sign-in.

Rules:

* ``username``: 3–80 characters, lower-case letters, digits, ``.``, ``_`` and ``-``, starting
  with a letter. It is stored lower-case (input is trimmed and lower-cased), so ``Ana`` and
  ``ana`` are the same user on every backend.
* ``role``: ``admin``, ``hr`` or ``audit`` (:class:`~coati_payroll.db.models.Role`).
* Password policy: at least :data:`MIN_PASSWORD_LENGTH` (10) characters, at most
  :data:`MAX_PASSWORD_LENGTH` (1024, so that hashing cannot be used to exhaust the CPU), not
  only blanks, and not the username. Passwords are stored only as argon2id hashes.
* The last active admin can be neither deactivated nor given another role (nobody could
  administer the installation any more).
* :func:`authenticate` gives the user or None. Unknown and inactive users cost the same argon2
  verification as a wrong password (no timing oracle for which usernames exist); a hash made
  with older argon2 parameters is replaced on success; ``last_login_at`` is set.

Every change writes an audit entry (never containing a password or hash) in the caller's
transaction; nothing here commits.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import Language, Role, User, hash_password
from coati_payroll.db.types import utcnow
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState, NotFound

MIN_PASSWORD_LENGTH: Final = 10
MAX_PASSWORD_LENGTH: Final = 1024
USERNAME_PATTERN: Final = re.compile(r"[a-z][a-z0-9._-]{2,79}\Z")


@dataclass(frozen=True, slots=True)
class UserData:
    username: str
    password: str
    role: Role | str
    email: str | None = None
    language: Language | str = Language.EN


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist (equal work either way)."""
    return hash_password("not a password of anybody")


def normalize_username(username: str) -> str:
    return username.strip().lower()


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` breaks the policy (see the module docstring), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"at most {MAX_PASSWORD_LENGTH} characters"
    if not password.strip():
        return "must not be only blanks"
    if username and password.strip().lower() == normalize_username(username):
        return "must not be the username"
    return None


def _snapshot(user: User) -> dict[str, Any]:
    return {"username": user.username, "email": user.email, "role": user.role,
            "language": user.language, "active": user.active}


def _email_problem(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    if len(email) > 254:
        return "at most 254 characters"
    return None if "@" in email.strip()[1:-1] else "not an e-mail address"


def _choice(problems: dict[str, str], name: str, enum: type[Role] | type[Language],
            value: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        problems[name] = "one of " + ", ".join(member.value for member in enum)
        return None


def _active_admins(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.active.is_(True))) or 0


def find_user(session: Session, username: str) -> User:
    """The user called ``username`` (any case); NotFound when there is none."""
    user = session.scalar(sa.select(User).where(User.username == normalize_username(username)))
    if user is None:
        raise NotFound(f"no user {username}", username=username)
    return user


def list_users(session: Session, *, active_only: bool = False) -> list[User]:
    query = sa.select(User).order_by(User.username)
    if active_only:
        query = query.where(User.active.is_(True))
    return list(session.scalars(query))


def create_user(session: Session, actor: Actor, data: UserData) -> User:
    """Add an active user with a hashed password."""
    problems: dict[str, str] = {}
    username = normalize_username(data.username)
    if not USERNAME_PATTERN.match(username):
        problems["username"] = ("3-80 characters: letters, digits, '.', '_' or '-', "
                                "starting with a letter")
    elif session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        problems["username"] = f"a user {username} already exists"
    if problem := password_problem(data.password, username):
        problems["password"] = problem
    role = _choice(problems, "role", Role, data.role)
    language = _choice(problems, "language", Language, data.language)
    if problem := _email_problem(data.email):
        problems["email"] = problem
    if problems:
        raise InvalidInput("the user cannot be saved", problems)
    user = User(username=username, password_hash=hash_password(data.password), role=role,
                language=language, active=True,
                email=data.email.strip() if data.email and data.email.strip() else None)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", user.id, {}, _snapshot(user))
    return user


def update_user(session: Session, actor: Actor, user: User, *, role: Role | str,
                email: str | None, language: Language | str) -> User:
    """Change a user's role, e-mail and language (the username never changes)."""
    problems: dict[str, str] = {}
    new_role = _choice(problems, "role", Role, role)
    new_language = _choice(problems, "language", Language, language)
    if problem := _email_problem(email):
        problems["email"] = problem
    if (new_role is not None and new_role is not Role.ADMIN and user.role is Role.ADMIN
            and user.active and _active_admins(session) <= 1):
        problems["role"] = "the last active admin must stay admin"
    if problems:
        raise InvalidInput("the user cannot be saved", problems)
    before = _snapshot(user)
    user.role = new_role
    user.language = new_language
    user.email = email.strip() if email and email.strip() else None
    session.flush()
    audit.record(session, actor, "user.update", "user", user.id, before, _snapshot(user))
    return user


def set_password(session: Session, actor: Actor, user: User, password: str) -> None:
    """Set a new password (an administrator's reset)."""
    if problem := password_problem(password, user.username):
        raise InvalidInput("the password cannot be set", {"password": problem})
    user.set_password(password)
    session.flush()
    audit.record(session, actor, "user.set_password", "user", user.id, {}, {})


def change_own_password(session: Session, actor: Actor, user: User, current_password: str,
                        new_password: str) -> None:
    """Change one's own password: ``current_password`` must match and the new one must meet
    the policy and differ from it."""
    problems: dict[str, str] = {}
    if not user.check_password(current_password):
        problems["current_password"] = "incorrect"
    if problem := password_problem(new_password, user.username):
        problems["new_password"] = problem
    elif new_password == current_password:
        problems["new_password"] = "must differ from the current password"
    if problems:
        raise InvalidInput("the password cannot be changed", problems)
    user.set_password(new_password)
    session.flush()
    audit.record(session, actor, "user.change_password", "user", user.id, {}, {})


def set_user_active(session: Session, actor: Actor, user: User, active: bool) -> User:
    """Activate or deactivate a user (an inactive user cannot sign in). Raises InvalidState
    when it is already so, or to deactivate the last active admin."""
    if user.active == active:
        raise InvalidState(f"user {user.username} is already "
                           f"{'active' if active else 'inactive'}")
    if not active and user.role is Role.ADMIN and _active_admins(session) <= 1:
        raise InvalidState(f"{user.username} is the last active admin and cannot be "
                           "deactivated")
    before = _snapshot(user)
    user.active = active
    session.flush()
    audit.record(session, actor, "user.activate" if active else "user.deactivate", "user",
                 user.id, before, _snapshot(user))
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user whose password is ``password``, or None (see the module docstring).
    Writes ``last_login_at`` (and a fresh hash when the parameters changed); no commit."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    user = session.scalar(sa.select(User).where(User.username == normalize_username(username)))
    if user is None:
        probe = User(password_hash=_dummy_hash())
        probe.check_password(password)
        return None
    matches = user.check_password(password)  # always verify: same cost for inactive users
    if not matches or not user.active:
        return None
    if user.password_needs_rehash():
        user.set_password(password)
    user.last_login_at = utcnow()
    session.flush()
    return user
