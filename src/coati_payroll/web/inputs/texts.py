"""Translated texts of the problems the input, accumulator and payroll-status services report,
on top of :mod:`coati_payroll.web.concepts.texts` (whose patterns are used for the rest).

* :func:`problem` — one service problem or message in the user's language.
* :func:`users_text` — ``params["users"]`` of a refused deactivation as a sentence part
  ("payroll type MONTHLY, concept OVERTIME, 3 pending novelties").
* :func:`apply_error` — like ``concepts.texts.apply_error``: problems next to the form's
  fields, the message flashed (a refused deactivation names what uses the record).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coati_payroll.services.errors import InvalidInput, ServiceError
from coati_payroll.web.concepts.texts import problem_text
from coati_payroll.web.errors import service_error_status

Patterns = tuple[tuple[re.Pattern[str], Any], ...]


def patterns(*pairs: tuple[str, Any]) -> Patterns:
    return tuple((re.compile(pattern), text) for pattern, text in pairs)


INPUT_PROBLEMS: Final = patterns(
    (r"^an input (?P<code>\S+) already exists$", _l("an input %(code)s already exists")),
    (r"^the code of an input cannot change$", _l("the code of an input cannot change")),
    (r"^the input cannot be saved$", _l("the input cannot be saved")),
    (r"^input (?P<code>\S+) is already active$", _l("input %(code)s is already active")),
    (r"^input (?P<code>\S+) is already inactive$", _l("input %(code)s is already inactive")),
    (r"^(?P<value>.+) is not an exact decimal$", _l("%(value)s is not an exact decimal")),
)

_USER_KINDS: Final[dict[str, Any]] = {
    "payroll_type": _l("payroll type %(code)s"),
    "concept": _l("concept %(code)s"),
    "accumulator": _l("accumulator %(code)s"),
    "company": _l("company %(code)s"),
    "currency": _l("currency %(code)s"),
}


def problem(text: str, extra: Patterns = INPUT_PROBLEMS) -> str:
    """``text`` in the user's language: ``extra`` patterns first, then the concept pages'."""
    for pattern, template in extra:
        if match := pattern.match(text):
            return str(template) % match.groupdict()
    return problem_text(text)


def users_text(users: Iterable[dict[str, str]]) -> str:
    parts = []
    for user in users:
        if user.get("kind") == "novelties":
            parts.append(_("%(count)s pending novelties", count=user.get("code", "")))
        else:
            template = _USER_KINDS.get(user.get("kind", ""))
            code = user.get("code", "")
            parts.append(str(template) % {"code": code} if template else code)
    return ", ".join(parts)


def message(error: ServiceError, extra: Patterns = INPUT_PROBLEMS) -> str:
    """The error's message in the user's language."""
    users = error.params.get("users")
    if users:
        return str(_("%(code)s cannot be deactivated: it is used by %(users)s.",
                     code=error.params.get("code", ""), users=users_text(users)))
    reasons = error.params.get("reasons")
    if reasons:
        return str(_("%(code)s cannot be activated while these are inactive: %(reasons)s.",
                     code=error.params.get("code", ""), reasons=users_text(reasons)))
    return problem(error.message, extra)


def apply_error(error: ServiceError, form: Any = None, extra: Patterns = INPUT_PROBLEMS) -> int:
    """Flash the message, put field problems next to the fields; return the status."""
    if isinstance(error, InvalidInput):
        for name, text in error.problems.items():
            field = form._fields.get(name) if form is not None else None
            if field is None:
                flash(f"{name}: {problem(text, extra)}", "error")
            else:
                field.errors = [*field.errors, problem(text, extra)]
    flash(message(error, extra), "error")
    return service_error_status(error)


def exact(value: Any) -> Any:
    """A stored decimal without its padding zeros (8.00000000000000 → 8)."""
    if not isinstance(value, Decimal):
        return value
    return Decimal(format(value.normalize(), "f")) if value else Decimal(0)
