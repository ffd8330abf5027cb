"""Date arithmetic shared by the calendar and the formula functions (standard library only).

Complete months follow the month-end rule: a month is complete on the same day number of a later
month, or on that month's last day when it has no such day, so January 31 → February 28 is one
month and a February 29 start completes a year on February 28 of a common year.
"""

from __future__ import annotations

import calendar
from datetime import date


def is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def complete_months(first: date, last: date) -> int:
    """Whole months from ``first`` to ``last`` (negative when ``last`` is earlier)."""
    if last < first:
        return -complete_months(last, first)
    months = (last.year - first.year) * 12 + last.month - first.month
    if last.day < first.day and not is_month_end(last):
        months -= 1
    return months


def complete_years(first: date, last: date) -> int:
    """Whole years from ``first`` to ``last`` (years of service, age); negative when reversed."""
    months = complete_months(first, last)
    return months // 12 if months >= 0 else -(-months // 12)
