"""Errors a service raises for things a user or operator can correct.

::

    ServiceError
     ├── NotFound            the named entity does not exist
     ├── InvalidInput        bad values; ``problems`` maps a field (or row:field) to a message
     ├── InvalidState        the action is not allowed in the entity's current state
     └── Conflict            someone else is doing the same thing now (e.g. a calculation)

Core errors (:mod:`coati_payroll.core.errors`) pass through unchanged where they already say
precisely what is wrong (a formula error with its position, a dependency cycle).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ServiceError(Exception):
    code = "service_error"

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


class NotFound(ServiceError):
    code = "not_found"


class InvalidInput(ServiceError):
    """Bad input. ``problems`` maps each field (``"salary"``, ``"row 12: hire_date"``) to a
    message; nothing was saved."""

    code = "invalid_input"

    def __init__(self, message: str, problems: Mapping[str, str] | None = None,
                 **params: Any) -> None:
        super().__init__(message, **params)
        self.problems: dict[str, str] = dict(problems or {})

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        details = "\n".join(f"  {field}: {text}" for field, text in self.problems.items())
        return f"{self.message}\n{details}"


class InvalidState(ServiceError):
    code = "invalid_state"


class Conflict(ServiceError):
    code = "conflict"
