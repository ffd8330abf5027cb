"""Form fields of the configuration pages that keep what the user typed and parse it exactly:
decimals never pass through float, blanks are None, and every message is ours (translated).

* :class:`DecimalText` — ``field.value`` is a ``Decimal`` (None when blank and optional).
* :class:`IntegerText` — ``field.value`` is an ``int`` (None when blank and optional).
* :class:`DateText` — ``field.value`` is a ``date`` from ``YYYY-MM-DD``.
* :func:`code_list` — ``"A, B C"`` → ``("A", "B", "C")``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Field, StringField
from wtforms.validators import ValidationError

_REQUIRED = _l("required")


class _Parsed(StringField):  # type: ignore[misc]  # WTForms has no type hints
    """A text input whose ``value`` is parsed in :meth:`pre_validate`."""

    required = False

    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.required = required
        self.value: Any = None

    def parse(self, text: str) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def pre_validate(self, form: Any) -> None:
        text = (self.data or "").strip()
        self.value = None
        if not text:
            if self.required:
                raise ValidationError(str(_REQUIRED))
            return
        self.value = self.parse(text)

    def set(self, value: Any) -> None:
        """Fill the field from a stored value (editing)."""
        self.data = "" if value is None else (value.isoformat() if isinstance(value, date)
                                              else format(value, "f") if isinstance(
                                                  value, Decimal) else str(value))


class DecimalText(_Parsed):
    def parse(self, text: str) -> Decimal:
        try:
            value = Decimal(text.replace(" ", ""))
        except InvalidOperation:
            raise ValidationError(_("%(value)s is not a number (write 1234.56)",
                                    value=text)) from None
        if not value.is_finite():
            raise ValidationError(_("%(value)s is not a number (write 1234.56)", value=text))
        return value


class IntegerText(_Parsed):
    def parse(self, text: str) -> int:
        if not re.fullmatch(r"[+-]?\d{1,9}", text):
            raise ValidationError(_("%(value)s is not a whole number", value=text))
        return int(text)


class DateText(_Parsed):
    def parse(self, text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValidationError(_("%(value)s is not a date (YYYY-MM-DD)",
                                    value=text)) from None


def code_list(text: str | None) -> tuple[str, ...]:
    return tuple(part for part in re.split(r"[\s,;]+", text or "") if part)


def set_data(field: Field, value: Any) -> None:
    """Fill any field from a stored value (parsed fields format it exactly)."""
    if isinstance(field, _Parsed):
        field.set(value)
    else:
        field.data = value
