"""Money and the rounding policy: the only module of the core that quantizes.

Amounts are ``decimal.Decimal`` everywhere. A :class:`RoundingPolicy` rounds an amount to a
currency's minor unit (``0.01`` for most currencies, ``1`` for JPY, ``0.05`` for cash-rounded CHF)
with one rounding mode (HALF_UP by default). The engine rounds each payslip line exactly once,
when it is computed; totals are sums of rounded lines and are therefore exact multiples of the
minor unit without further rounding.

:data:`CALCULATION_CONTEXT` is the decimal context every calculation runs in: 28 significant
digits, and division by zero, invalid operations and overflow raise instead of giving
infinities or NaN.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)

#: Rounding modes a policy may name, by their usual names.
ROUNDING_MODES: Final[dict[str, str]] = {
    "HALF_UP": decimal.ROUND_HALF_UP,
    "HALF_EVEN": decimal.ROUND_HALF_EVEN,
    "HALF_DOWN": decimal.ROUND_HALF_DOWN,
    "UP": decimal.ROUND_UP,
    "DOWN": decimal.ROUND_DOWN,
    "CEILING": decimal.ROUND_CEILING,
    "FLOOR": decimal.ROUND_FLOOR,
}

CALCULATION_CONTEXT: Final = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[decimal.DivisionByZero, decimal.InvalidOperation, decimal.Overflow],
)


def to_decimal(value: object) -> Decimal:
    """Convert ``value`` (Decimal, int or numeric string) to Decimal; floats are refused.

    Raises ``TypeError`` for floats, booleans and other types and ``ValueError`` for text that
    is not a finite number.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"money must be an exact decimal, not {type(value).__name__} {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise ValueError(f"not a decimal number: {value!r}") from None
    else:
        raise TypeError(f"not a decimal number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


@dataclass(frozen=True, slots=True)
class RoundingPolicy:
    """How amounts of one currency are rounded.

    ``minor_unit`` is the smallest amount (``Decimal("0.01")``); ``mode`` one of
    :data:`ROUNDING_MODES`. A minor unit that is not a power of ten (e.g. ``0.05``) rounds to
    the nearest multiple of it.
    """

    minor_unit: Decimal = Decimal("0.01")
    mode: str = "HALF_UP"

    def __post_init__(self) -> None:
        if self.mode not in ROUNDING_MODES:
            raise ValueError(
                f"unknown rounding mode {self.mode!r}; use one of {', '.join(ROUNDING_MODES)}"
            )
        if not isinstance(self.minor_unit, Decimal) or self.minor_unit <= 0:
            raise ValueError(f"minor unit must be a positive decimal, not {self.minor_unit!r}")

    @property
    def _power_of_ten(self) -> bool:
        normal = self.minor_unit.normalize().as_tuple()
        return normal.digits == (1,) and int(normal.exponent) <= 0

    def round(self, amount: Decimal) -> Decimal:
        """Round ``amount`` to the minor unit with the policy's mode."""
        rounding = ROUNDING_MODES[self.mode]
        if self._power_of_ten:
            return amount.quantize(self.minor_unit.normalize(), rounding=rounding,
                                   context=CALCULATION_CONTEXT)
        units = (amount / self.minor_unit).quantize(ONE, rounding=rounding,
                                                     context=CALCULATION_CONTEXT)
        return units * self.minor_unit

    def rounder(self) -> Callable[[Decimal], Decimal]:
        """A fast one-argument function equivalent to :meth:`round`, for hot loops."""
        rounding = ROUNDING_MODES[self.mode]
        if self._power_of_ten:
            exponent = self.minor_unit.normalize()

            def round_power_of_ten(amount: Decimal) -> Decimal:
                return amount.quantize(exponent, rounding)

            return round_power_of_ten
        return self.round

    def round_places(self, amount: Decimal, places: int) -> Decimal:
        """Round ``amount`` to ``places`` decimal places with the policy's mode."""
        return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUNDING_MODES[self.mode],
                               context=CALCULATION_CONTEXT)

    def is_rounded(self, amount: Decimal) -> bool:
        """True when ``amount`` is an exact multiple of the minor unit."""
        return (amount % self.minor_unit) == 0


@dataclass(frozen=True, slots=True)
class Currency:
    """A currency code with its rounding policy."""

    code: str
    rounding: RoundingPolicy = RoundingPolicy()
