"""Users and their role: who may sign in, and what they may do.

Three fixed roles: ``admin`` (everything), ``hr`` (payroll work) and ``audit`` (read-only).
Passwords are stored only as argon2id hashes (:func:`hash_password`); an inactive user must
not be able to sign in (the service checks ``active``). Users referenced by audit entries or
runs cannot be deleted; deactivate them instead.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Mapped, mapped_column

from coati_payroll.db.base import Base, IdMixin, TimestampMixin, enum_type
from coati_payroll.db.types import UTCDateTime


class Role(StrEnum):
    ADMIN = "admin"
    HR = "hr"
    AUDIT = "audit"


class Language(StrEnum):
    EN = "en"
    ES = "es"


_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (with its own random salt and parameters)."""
    return _HASHER.hash(password)


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    active: Mapped[bool] = mapped_column(sa.Boolean(), default=True)
    language: Mapped[Language] = mapped_column(enum_type(Language, "language"),
                                               default=Language.EN)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches the stored hash (False for a malformed hash)."""
        try:
            return _HASHER.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def password_needs_rehash(self) -> bool:
        """True when the hash was made with weaker parameters than today's defaults."""
        return _HASHER.check_needs_rehash(self.password_hash)
