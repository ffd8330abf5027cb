"""Who is acting: recorded on audit entries and on the rows a service stamps."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """A user (``user_id`` set) or a system process such as the CLI or a worker (``None``)."""

    username: str
    user_id: int | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(username=name)
