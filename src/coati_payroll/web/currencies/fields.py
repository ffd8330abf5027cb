"""Form fields for exact amounts and uploaded tables, shared by the currency and employee
forms."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

__all__ = ["AMOUNT_HINT", "AmountField", "parse_amount", "plain_amount", "upload_format"]

_AMOUNT: Final = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)\Z")

#: The hint shown under amount fields.
AMOUNT_HINT: Final = _l("Digits with a decimal point or comma and no thousands separator, "
                        "e.g. 1234.56")


def plain_amount(value: Decimal) -> str:
    """``value`` as plain text, without the trailing zeros of a stored scale past the cents
    (``10000.000000`` → ``10000.00``, ``36.624300`` → ``36.6243``, ``3`` → ``3``)."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        value = value.normalize()
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent > -2:
            value = value.quantize(Decimal("0.01"))
    return format(value, "f")


def parse_amount(text: str) -> Decimal:
    """An exact decimal written with one ``.`` or ``,`` as the decimal separator and no
    thousands separator (``1234.56``, ``1234,56``). Raises ValueError otherwise: ``1.234,56``
    is refused rather than guessed."""
    value = text.strip().replace(" ", "")
    if not _AMOUNT.match(value):
        raise ValueError(text)
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise ValueError(text) from None


class AmountField(StringField):  # type: ignore[misc]  # WTForms has no type hints
    """A text input read as an exact :class:`Decimal` (never a float); ``data`` is None when
    left empty. The text typed is kept on error so the user can correct it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)
        self.amount: Decimal | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.amount = None
        text = (self.data or "").strip()
        if text:
            try:
                self.amount = parse_amount(text)
            except ValueError:
                raise ValueError(str(_l("Enter a number such as 1234.56 (no thousands "
                                        "separator)."))) from None

    def process_data(self, value: Any) -> None:
        if isinstance(value, Decimal):
            self.amount = value
            value = plain_amount(value)
        super().process_data(value)


def upload_format(filename: str | None) -> str:
    """``csv`` or ``xlsx`` from an uploaded file's name; raises ValidationError otherwise."""
    name = (filename or "").lower()
    for fmt in ("csv", "xlsx"):
        if name.endswith(f".{fmt}"):
            return fmt
    raise ValidationError(str(_l("Choose a .csv or .xlsx file.")))
