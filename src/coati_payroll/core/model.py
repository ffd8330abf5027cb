"""Frozen input snapshots: everything the engine needs to compute a payroll, and nothing else.

All amounts are ``Decimal`` in the currency named next to them; dates are ``datetime.date``.
The engine never mutates these objects; a run's snapshot can be kept and recomputed later with
identical results.

Salary semantics (see docs/calculation.md for worked examples):

* An employee's ``salary`` is a rate per ``pay_basis`` unit (month, day or hour) in
  ``salary_currency``; it is converted to the payroll currency with
  ``PayrollSetup.exchange_rates[salary_currency]`` (payroll-currency units per one unit).
* The full-period salary of a monthly-paid employee comes from the payroll type's conversion
  rule: ``divisor`` (monthly / divisor), ``annualized`` (monthly × 12 / periods per year) or
  ``daily`` (monthly / days_per_month × period days).
* Proration (hire, termination, unpaid absence days) multiplies by paid days / period days,
  counted by calendar days or by the 30-day commercial month (``ProrationBasis``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from coati_payroll.core.formula.tables import Table
from coati_payroll.core.money import Currency

#: A custom-field value: number, text, date or yes/no.
FieldValue = Decimal | str | date | bool



def _empty() -> Mapping[Any, Any]:
    return MappingProxyType({})

class Periodicity(StrEnum):
    MONTHLY = "monthly"
    SEMI_MONTHLY = "semi_monthly"
    BIWEEKLY = "biweekly"
    WEEKLY = "weekly"
    DAILY = "daily"

#: Periods per year when the payroll type does not say otherwise.
DEFAULT_PERIODS_PER_YEAR: Final[Mapping[Periodicity, int]] = MappingProxyType({
    Periodicity.MONTHLY: 12,
    Periodicity.SEMI_MONTHLY: 24,
    Periodicity.BIWEEKLY: 26,
    Periodicity.WEEKLY: 52,
    Periodicity.DAILY: 365,
})

class SalaryConversion(StrEnum):
    """How a monthly salary becomes a full-period salary."""

    DIVISOR = "divisor"  #: monthly / divisor (1 for monthly, 2 for semi-monthly, …)
    ANNUALIZED = "annualized"  #: monthly × 12 / periods_per_year
    DAILY = "daily"  #: monthly / days_per_month × days in the period (proration basis)

#: The conversion rule when the payroll type does not name one.
DEFAULT_CONVERSION: Final[Mapping[Periodicity, SalaryConversion]] = MappingProxyType({
    Periodicity.MONTHLY: SalaryConversion.DIVISOR,
    Periodicity.SEMI_MONTHLY: SalaryConversion.DIVISOR,
    Periodicity.BIWEEKLY: SalaryConversion.ANNUALIZED,
    Periodicity.WEEKLY: SalaryConversion.ANNUALIZED,
    Periodicity.DAILY: SalaryConversion.DAILY,
})

#: The divisor of the ``divisor`` rule when the payroll type does not name one.
DEFAULT_DIVISOR: Final[Mapping[Periodicity, Decimal]] = MappingProxyType({
    Periodicity.MONTHLY: Decimal(1),
    Periodicity.SEMI_MONTHLY: Decimal(2),
    Periodicity.BIWEEKLY: Decimal(2),
    Periodicity.WEEKLY: Decimal(4),
    Periodicity.DAILY: Decimal(30),
})

class ProrationBasis(StrEnum):
    CALENDAR_DAYS = "calendar_days"  #: actual days; February has 28 or 29
    COMMERCIAL_30 = "commercial_30"  #: every month has 30 days (day 31 does not count)

class PayBasis(StrEnum):
    MONTHLY = "monthly"  #: salary is per month
    DAILY = "daily"  #: salary is per day; paid per paid day of the period
    HOURLY = "hourly"  #: salary is per hour; paid per hour of the hours-worked input

@dataclass(frozen=True, slots=True)
class PayrollType:
    """The rules of one kind of payroll.

    ``divisor`` and ``periods_per_year`` default from the periodicity. ``days_per_month`` and
    ``hours_per_day`` give the daily and hourly rates (monthly / days_per_month / hours_per_day).
    The ``*_input`` names are input codes: unpaid absence days and hours reduce the base salary;
    hours worked pay hourly employees (and days worked, when given, pay daily employees).
    """

    periodicity: Periodicity = Periodicity.MONTHLY
    conversion: SalaryConversion | None = None
    divisor: Decimal | None = None
    periods_per_year: int | None = None
    proration: ProrationBasis = ProrationBasis.CALENDAR_DAYS
    days_per_month: Decimal = Decimal(30)
    hours_per_day: Decimal = Decimal(8)
    fiscal_year_start_month: int = 1
    absence_days_input: str | None = None
    absence_hours_input: str | None = None
    hours_worked_input: str | None = None
    days_worked_input: str | None = None

    @property
    def effective_conversion(self) -> SalaryConversion:
        return self.conversion or DEFAULT_CONVERSION[self.periodicity]

    @property
    def effective_divisor(self) -> Decimal:
        return self.divisor if self.divisor is not None else DEFAULT_DIVISOR[self.periodicity]

    @property
    def effective_periods_per_year(self) -> int:
        if self.periods_per_year is not None:
            return self.periods_per_year
        return DEFAULT_PERIODS_PER_YEAR[self.periodicity]

@dataclass(frozen=True, slots=True)
class PayPeriod:
    start: date
    end: date
    payment_date: date | None = None

class ConceptKind(StrEnum):
    EARNING = "earning"  #: adds to gross pay
    DEDUCTION = "deduction"  #: withheld from the employee, in priority order
    EMPLOYER = "employer"  #: employer contribution or provision; never touches net pay

class ShortfallPolicy(StrEnum):
    """What a deduction does when it does not fit in the net pay left."""

    PARTIAL = "partial"  #: take what fits; the rest is a shortfall notice
    SKIP = "skip"  #: take nothing; the whole amount is a shortfall notice

@dataclass(frozen=True, slots=True)
class Concept:
    """One earning, deduction or employer contribution.

    ``formula`` gives the amount (a number); ``condition``, when set, is a yes/no formula and
    the concept yields no line when it is false. The result is limited to ``floor``..``cap``
    and then rounded once by the currency's policy. Deductions apply by ascending
    ``priority`` (ties in dependency order, then declaration order). A ``loan`` deduction
    gives one line per loan of the employee whose ``concept`` is this code, with ``loan.*``
    names bound to that loan; its amount never exceeds the loan balance. ``tags`` group
    concepts: ``total.TAG`` in a formula is the sum of the lines tagged TAG.
    """

    code: str
    kind: ConceptKind
    formula: str
    name: str = ""
    priority: int = 0
    condition: str | None = None
    cap: Decimal | None = None
    floor: Decimal | None = None
    shortfall: ShortfallPolicy = ShortfallPolicy.PARTIAL
    loan: bool = False
    tags: frozenset[str] = frozenset()

@dataclass(frozen=True, slots=True)
class InputDef:
    """A per-period input (novelty) such as overtime hours; missing values take ``default``."""

    code: str
    description: str = ""
    default: Decimal = Decimal(0)

class FieldType(StrEnum):
    NUMBER = "number"
    TEXT = "text"
    DATE = "date"
    BOOLEAN = "boolean"

@dataclass(frozen=True, slots=True)
class CustomFieldDef:
    """A custom employee field; ``default`` None means every employee must have a value."""

    code: str
    type: FieldType
    default: FieldValue | None = None
    description: str = ""

@dataclass(frozen=True, slots=True)
class Accumulator:
    """A year-to-date accumulator: ``ytd.CODE`` reads the prior value; after the payslip the
    value of the ``amount`` formula (e.g. ``gross``) is added to give the new year-to-date."""

    code: str
    amount: str
    description: str = ""

@dataclass(frozen=True, slots=True)
class Loan:
    """An outstanding loan or advance repaid through the ``concept`` deduction."""

    id: str
    concept: str
    installment: Decimal
    balance: Decimal

@dataclass(frozen=True, slots=True)
class Employee:
    """One employee's snapshot for one period, inputs included."""

    id: str
    hire_date: date
    salary: Decimal
    name: str = ""
    termination_date: date | None = None
    salary_currency: str | None = None
    pay_basis: PayBasis = PayBasis.MONTHLY
    fields: Mapping[str, FieldValue] = field(default_factory=_empty)
    inputs: Mapping[str, Decimal] = field(default_factory=_empty)
    loans: tuple[Loan, ...] = ()
    ytd: Mapping[str, Decimal] = field(default_factory=_empty)

@dataclass(frozen=True, slots=True)
class PayrollSetup:
    """Everything about a payroll that is the same for all its employees."""

    currency: Currency
    period: PayPeriod
    concepts: tuple[Concept, ...]
    payroll_type: PayrollType = PayrollType()
    tables: Mapping[str, Table] = field(default_factory=_empty)
    inputs: Mapping[str, InputDef] = field(default_factory=_empty)
    custom_fields: Mapping[str, CustomFieldDef] = field(default_factory=_empty)
    accumulators: tuple[Accumulator, ...] = ()
    exchange_rates: Mapping[str, Decimal] = field(default_factory=_empty)
