"""Start-up: the first administrator, from ``ADMIN_USER``/``ADMIN_PASSWORD``.

:func:`ensure_admin` is called when the web application starts (and by
``payrollctl users ensure-admin``). It creates the admin only when there is **no active admin**
at all, so changing ``ADMIN_PASSWORD`` later never resets anybody's password, and an
installation whose admins were renamed keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from coati_payroll.db.models import Role, User, hash_password
from coati_payroll.services import audit, users
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState
from coati_payroll.services.uow import UnitOfWork
from coati_payroll.settings import Settings


@dataclass(frozen=True, slots=True)
class AdminBootstrap:
    """What :func:`ensure_admin` did: ``created`` False means an active admin existed."""

    created: bool
    username: str


def ensure_admin(uow: UnitOfWork, settings: Settings) -> AdminBootstrap:
    """Create the admin ``settings.admin_user`` when no active admin exists; commits.

    Raises InvalidState when a (non-admin or inactive) user already has that name: the
    operator must choose another ``ADMIN_USER`` or fix the account with ``payrollctl users``.
    The password policy of :mod:`~coati_payroll.services.users` applies, except that outside
    production the development default (equal to the user name) is accepted; production
    settings already refuse the default password."""
    actor = Actor.system("bootstrap")
    with uow:
        session = uow.session
        admin = session.scalar(sa.select(User).where(
            User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id).limit(1))
        if admin is not None:
            return AdminBootstrap(False, admin.username)
        name = users.normalize_username(settings.admin_user)
        taken = session.scalar(sa.select(User).where(User.username == name))
        if taken is not None:
            raise InvalidState(
                f"no active admin exists, and ADMIN_USER={settings.admin_user!r} names an "
                f"existing {'inactive ' if not taken.active else ''}{taken.role.value} user; "
                "reactivate or promote it with payrollctl users, or set another ADMIN_USER")
        data = users.UserData(username=name, password=settings.admin_password, role=Role.ADMIN)
        try:
            user = users.create_user(session, actor, data)
        except InvalidInput as error:
            if set(error.problems) != {"password"} or settings.is_production:
                raise InvalidInput(f"ADMIN_USER/ADMIN_PASSWORD cannot create the admin: "
                                   f"{error.message}", error.problems) from None
            user = User(username=name, password_hash=hash_password(settings.admin_password),
                        role=Role.ADMIN, active=True)
            session.add(user)
            session.flush()
            audit.record(session, actor, "user.create", "user", user.id, {}, {
                "username": name, "role": Role.ADMIN, "bootstrap": True})
        uow.commit()
        return AdminBootstrap(True, user.username)
