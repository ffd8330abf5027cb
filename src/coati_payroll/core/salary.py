"""Salary rates, day counts and the base-salary line of one employee (docs/calculation.md §2–4).

Nothing is rounded here: the base is returned unrounded and the engine rounds it once as the
``BASE`` line. Rates stay exact to 28 significant digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from coati_payroll.core.calendar import count_days, worked_span
from coati_payroll.core.errors import MissingExchangeRateError
from coati_payroll.core.model import Employee, PayBasis, PayPeriod, PayrollType, SalaryConversion

ZERO: Final = Decimal(0)
TWELVE: Final = Decimal(12)


@dataclass(frozen=True, slots=True)
class SalaryFacts:
    """Everything about one employee's salary for one period; amounts in payroll currency."""

    exchange_rate: Decimal
    salary: Decimal
    monthly_salary: Decimal
    daily_rate: Decimal
    hourly_rate: Decimal
    period_salary: Decimal
    base: Decimal  # unrounded
    period_days: int
    worked_days: int
    absence_days: Decimal
    absence_hours: Decimal
    paid_days: Decimal
    rule: str  # the formula applied, for the BASE line's trace
    prorated: bool
    missing_hours: bool


def exchange_rate(employee: Employee, payroll_currency: str,
                  rates: Mapping[str, Decimal]) -> Decimal:
    """Payroll-currency units for one unit of the employee's salary currency.

    Raises :class:`MissingExchangeRateError` when the setup has no rate for it.
    """
    currency = employee.salary_currency
    if currency is None or currency == payroll_currency:
        return Decimal(1)
    rate = rates.get(currency)
    if rate is None:
        raise MissingExchangeRateError(
            f"no exchange rate from {currency} to {payroll_currency}",
            code="missing_exchange_rate", currency=currency, payroll_currency=payroll_currency)
    return rate


def _input(employee: Employee, code: str | None) -> Decimal | None:
    if code is None:
        return None
    return employee.inputs.get(code)


def salary_facts(employee: Employee, period: PayPeriod, payroll_type: PayrollType,
                 rate: Decimal) -> SalaryFacts:
    """Rates, days and the unrounded base salary of ``employee`` for ``period``."""
    days_per_month = payroll_type.days_per_month
    hours_per_day = payroll_type.hours_per_day
    salary = employee.salary * rate
    basis = employee.pay_basis
    if basis is PayBasis.MONTHLY:
        monthly = salary
        daily = monthly / days_per_month
        hourly = daily / hours_per_day
    elif basis is PayBasis.DAILY:
        daily = salary
        monthly = daily * days_per_month
        hourly = daily / hours_per_day
    else:
        hourly = salary
        daily = hourly * hours_per_day
        monthly = daily * days_per_month

    period_days = count_days(period.start, period.end, payroll_type.proration)
    first, last = worked_span(period, employee.hire_date, employee.termination_date)
    worked_days = count_days(first, last, payroll_type.proration)
    absence_days = min(_input(employee, payroll_type.absence_days_input) or ZERO,
                       Decimal(worked_days))
    absence_hours = _input(employee, payroll_type.absence_hours_input) or ZERO
    paid_days = Decimal(worked_days) - absence_days
    missing_hours = False

    if basis is PayBasis.MONTHLY:
        conversion = payroll_type.effective_conversion
        if conversion is SalaryConversion.DIVISOR:
            divisor = payroll_type.effective_divisor
            period_salary = monthly / divisor
            rule = f"monthly_salary / {divisor}"
        elif conversion is SalaryConversion.ANNUALIZED:
            per_year = payroll_type.effective_periods_per_year
            period_salary = monthly * TWELVE / per_year
            rule = f"monthly_salary × 12 / {per_year}"
        else:
            period_salary = daily * period_days
            rule = "daily_rate × period.days"
        prorated = paid_days != period_days
        base = period_salary * paid_days / period_days if prorated else period_salary
        if prorated:
            rule += " × period.paid_days / period.days"
        if absence_hours:
            base -= hourly * absence_hours
            rule += " − hourly_rate × period.absence_hours"
            prorated = True
        base = max(base, ZERO)
    elif basis is PayBasis.DAILY:
        days = _input(employee, payroll_type.days_worked_input)
        if days is None:
            days = paid_days
            rule = "daily_rate × period.paid_days"
        else:
            rule = f"daily_rate × input.{payroll_type.days_worked_input}"
        base = period_salary = max(daily * days, ZERO)
        prorated = False
    else:
        hours = _input(employee, payroll_type.hours_worked_input)
        if hours is None:
            hours = ZERO
            missing_hours = True
        rule = f"hourly_rate × input.{payroll_type.hours_worked_input}"
        base = period_salary = max(hourly * hours, ZERO)
        prorated = False
    return SalaryFacts(rate, salary, monthly, daily, hourly, period_salary, base, period_days,
                       worked_days, absence_days, absence_hours, paid_days, rule, prorated,
                       missing_hours)
