"""Loan repayment schedules: exact decimals, rounded to the currency's minor unit.

:func:`amortization_schedule` gives one :class:`ScheduleRow` per installment for three interest
methods (``annual_rate`` is a fraction: ``0.12`` is 12 % a year; the rate per period is
``annual_rate / periods_per_year``):

* ``none`` — installment = round(principal / n); the last installment absorbs the rounding.
* ``flat`` — total interest = round(principal × annual_rate × n / periods_per_year), spread
  evenly: installment = round((principal + interest) / n), each row's interest =
  round(interest / n) and the rest of the installment repays principal; the last row takes
  what is left of both, so the totals are exact.
* ``french`` — the annuity installment = round(P·r / (1 − (1 + r)^−n)); each row's interest is
  round(balance × r) and the rest repays principal; the last row repays the remaining
  principal exactly (its installment is that plus its interest), so the balance ends at 0.
  With r = 0 it is the ``none`` schedule.

``balance`` is the principal still owed after the row; ``owed`` is everything still owed after
it (the remaining installments, interest included). Rounding uses the given
:class:`~coati_payroll.core.money.RoundingPolicy` (0.01 HALF_UP by default).

Raises :class:`ScheduleError` for a principal that is not positive or not rounded to the minor
unit, fewer than one installment, a negative rate, periods per year below 1, or a principal
too small to give every installment at least one minor unit.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from coati_payroll.core.money import CALCULATION_CONTEXT, RoundingPolicy

ZERO: Final = Decimal(0)
MAX_INSTALLMENTS: Final = 1200


class InterestMethod(StrEnum):
    NONE = "none"
    FLAT = "flat"
    FRENCH = "french"


class ScheduleError(ValueError):
    """The loan's terms cannot give a schedule; ``str()`` says why."""


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    number: int  #: 1-based
    installment: Decimal  #: interest + principal
    interest: Decimal
    principal: Decimal
    balance: Decimal  #: principal still owed after this row
    owed: Decimal  #: everything still owed after this row


def _check(principal: Decimal, installments: int, annual_rate: Decimal,
           periods_per_year: int, rounding: RoundingPolicy) -> None:
    if principal <= 0:
        raise ScheduleError(f"the principal must be greater than 0, not {principal}")
    if not rounding.is_rounded(principal):
        raise ScheduleError(f"the principal {principal} is not a multiple of the minor unit "
                            f"{rounding.minor_unit}")
    if not 1 <= installments <= MAX_INSTALLMENTS:
        raise ScheduleError(f"installments must be 1 to {MAX_INSTALLMENTS}, not {installments}")
    if annual_rate < 0:
        raise ScheduleError(f"the annual rate must not be negative, not {annual_rate}")
    if periods_per_year < 1:
        raise ScheduleError(f"periods per year must be at least 1, not {periods_per_year}")


def _even(total: Decimal, n: int, rounding: RoundingPolicy) -> list[Decimal]:
    """``total`` in ``n`` rounded parts: n − 1 equal ones and a last one absorbing the rest."""
    part = rounding.round(total / n)
    last = total - part * (n - 1)
    if last < 0 or (total > 0 and last == 0):
        raise ScheduleError(f"{total} is too small to split into {n} installments")
    return [part] * (n - 1) + [last]


def _rows(interest: Sequence[Decimal], principal: Sequence[Decimal],
          total_principal: Decimal) -> tuple[ScheduleRow, ...]:
    owed = sum(interest, ZERO) + sum(principal, ZERO)
    balance = total_principal
    rows = []
    for number, (rate_part, capital) in enumerate(zip(interest, principal, strict=True), 1):
        balance -= capital
        owed -= rate_part + capital
        rows.append(ScheduleRow(number, rate_part + capital, rate_part, capital, balance, owed))
    return tuple(rows)


def french_installment(principal: Decimal, rate: Decimal, installments: int,
                       rounding: RoundingPolicy) -> Decimal:
    """The rounded annuity installment for ``rate`` per period (round(principal / n) when 0)."""
    if rate == 0:
        return rounding.round(principal / installments)
    with decimal.localcontext(CALCULATION_CONTEXT):
        factor = (1 + rate) ** installments
        return rounding.round(principal * rate * factor / (factor - 1))


def amortization_schedule(principal: Decimal, installments: int,
                          method: InterestMethod | str = InterestMethod.NONE,
                          annual_rate: Decimal = ZERO, *, periods_per_year: int = 12,
                          rounding: RoundingPolicy | None = None) -> tuple[ScheduleRow, ...]:
    """The repayment schedule (see the module docstring)."""
    policy = rounding or RoundingPolicy()
    method = InterestMethod(method)
    _check(principal, installments, annual_rate, periods_per_year, policy)
    n = installments
    with decimal.localcontext(CALCULATION_CONTEXT):
        rate = annual_rate / periods_per_year
        if method is InterestMethod.NONE or (method is InterestMethod.FRENCH and rate == 0):
            return _rows([policy.round(ZERO)] * n, _even(principal, n, policy), principal)
        if method is InterestMethod.FLAT:
            interest_total = policy.round(principal * annual_rate * n / periods_per_year)
            installment = policy.round((principal + interest_total) / n)
            interest = _even(interest_total, n, policy) if interest_total else [interest_total] * n
            capital = [installment - part for part in interest[:-1]]
            capital.append(principal - sum(capital, ZERO))
            if any(part <= 0 for part in capital):
                raise ScheduleError(f"{principal} is too small to split into {n} installments")
            return _rows(interest, capital, principal)
        installment = french_installment(principal, rate, n, policy)
        balance = principal
        interest, capital = [], []
        for number in range(1, n + 1):
            charge = policy.round(balance * rate)
            repaid = balance if number == n else installment - charge
            if repaid <= 0 or repaid > balance:
                raise ScheduleError(f"{principal} is too small to split into {n} installments")
            interest.append(charge)
            capital.append(repaid)
            balance -= repaid
        return _rows(interest, capital, principal)


def total_due(rows: Sequence[ScheduleRow]) -> Decimal:
    """Everything the schedule collects (principal and interest)."""
    return sum((row.installment for row in rows), ZERO)
