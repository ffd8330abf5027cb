"""Pay periods and day counting: calendar days, the 30-day commercial month, fiscal positions.

All counts are inclusive of both ends and are whole numbers (``int``). Nothing here knows about
money; the salary rules that use these counts live in :mod:`coati_payroll.core.salary`.
"""

from __future__ import annotations

from datetime import date

from coati_payroll.core.dates import is_month_end
from coati_payroll.core.model import PayPeriod, PayrollType, Periodicity, ProrationBasis


def commercial_day(day: date) -> int:
    """The day number of ``day`` in a 30-day month: the 31st and the last day of February are 30."""
    if day.day == 31 or (day.month == 2 and is_month_end(day)):
        return 30
    return day.day


def count_days(first: date, last: date, basis: ProrationBasis) -> int:
    """Days from ``first`` to ``last`` inclusive under ``basis`` (0 when ``last`` < ``first``)."""
    if last < first:
        return 0
    if basis is ProrationBasis.CALENDAR_DAYS:
        return (last - first).days + 1
    return (
        (last.year - first.year) * 360
        + (last.month - first.month) * 30
        + commercial_day(last)
        - commercial_day(first)
        + 1
    )


def worked_span(period: PayPeriod, hire: date, termination: date | None) -> tuple[date, date]:
    """The part of ``period`` an employee was employed: (later of start and hire, earlier of end
    and termination). The span may be empty (first > last) when the employee is outside it."""
    first = max(period.start, hire)
    last = period.end if termination is None else min(period.end, termination)
    return first, last


def fiscal_year_start(reference: date, start_month: int) -> date:
    """The first day of the fiscal year that contains ``reference``."""
    year = reference.year if reference.month >= start_month else reference.year - 1
    return date(year, start_month, 1)


_PERIOD_LENGTH_DAYS = {Periodicity.BIWEEKLY: 14, Periodicity.WEEKLY: 7, Periodicity.DAILY: 1}


def fiscal_position(period: PayPeriod, payroll_type: PayrollType) -> tuple[int, int]:
    """(number, remaining) of the period in its fiscal year; see docs/calculation.md §7.

    ``number`` is 1-based and never above the periods per year; ``remaining`` counts this period
    and is at least 1. The reference date is the payment date, else the period end.
    """
    reference = period.payment_date or period.end
    start = fiscal_year_start(reference, payroll_type.fiscal_year_start_month)
    per_year = payroll_type.effective_periods_per_year
    months = (reference.year - start.year) * 12 + reference.month - start.month
    periodicity = payroll_type.periodicity
    if periodicity is Periodicity.MONTHLY:
        number = months + 1
    elif periodicity is Periodicity.SEMI_MONTHLY:
        number = 2 * months + (1 if reference.day <= 15 else 2)
    else:
        number = (reference - start).days // _PERIOD_LENGTH_DAYS[periodicity] + 1
    number = max(1, min(number, per_year))
    return number, max(1, per_year - number + 1)
