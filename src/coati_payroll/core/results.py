"""What the engine produces: payslips, their lines and traces, and notices.

Notices and errors carry a ``code`` and ``params`` rather than translated text; the web and CLI
turn them into words. Every amount on a payslip is already rounded by the currency's policy,
and every total is the plain sum of rounded lines.

Notice codes (``params`` in brackets):

* ``excluded_not_hired`` [hire_date] — hired after the period; no payslip lines.
* ``excluded_terminated`` [termination_date] — terminated before the period.
* ``deduction_cut`` [concept, requested, applied, shortfall, loan_id] — net-pay protection took
  only what fitted.
* ``deduction_skipped`` [concept, requested, applied, shortfall, loan_id] — the concept's
  shortfall policy is ``skip`` and the amount did not fit, so nothing was taken.
* ``prorated`` [paid_days, period_days, worked_days, absence_days] — base salary prorated.
* ``no_hours_worked`` [input] — an hourly employee has no hours-worked input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Final, NamedTuple

from coati_payroll.core.formula.tables import TableHit
from coati_payroll.core.model import ConceptKind

ZERO: Final = Decimal(0)

#: The code of the base-salary line every paid employee gets.
BASE_LINE: Final = "BASE"


class Trace(NamedTuple):
    """How a line's amount came about.

    ``formula`` is the text evaluated; ``values`` the names it read with their values (in the
    order they appear); ``table_rows`` the table rows it used; ``unrounded`` the value before
    the cap, floor and rounding; ``note`` extra detail such as the proration applied.
    """

    formula: str
    values: tuple[tuple[str, object], ...] = ()
    table_rows: tuple[TableHit, ...] = ()
    unrounded: Decimal | None = None
    note: str = ""


class Line(NamedTuple):
    """One payslip line (immutable; a named tuple because a run creates millions of them)."""

    code: str
    name: str
    kind: ConceptKind
    amount: Decimal
    trace: Trace
    loan_id: str | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    code: str
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


class PayslipStatus(StrEnum):
    OK = "ok"
    EXCLUDED = "excluded"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class EmployeeFailure:
    """Why one employee could not be computed: the error's code, message and params, and the
    concept being computed when it happened (if any)."""

    code: str
    message: str
    concept: str | None = None
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Payslip:
    """One employee's result for the period.

    ``gross`` = sum of earning lines (the base salary included); ``total_deductions`` = sum of
    deduction lines; ``net`` = gross − total_deductions (never negative);
    ``employer_contributions`` = sum of employer lines; ``employer_cost`` = gross +
    employer_contributions. ``ytd_after`` holds every accumulator after this period and
    ``loan_balances`` every loan's balance after this period's deduction. A cap or floor that
    changed an amount is noted in that line's trace, not as a notice.
    """

    employee_id: str
    status: PayslipStatus
    lines: tuple[Line, ...] = ()
    gross: Decimal = ZERO
    total_deductions: Decimal = ZERO
    net: Decimal = ZERO
    employer_contributions: Decimal = ZERO
    employer_cost: Decimal = ZERO
    notices: tuple[Notice, ...] = ()
    ytd_after: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    loan_balances: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    failure: EmployeeFailure | None = None

    def line(self, code: str) -> Decimal:
        """Sum of this payslip's lines with ``code`` (0 when there is none)."""
        return sum((line.amount for line in self.lines if line.code == code), ZERO)


@dataclass(frozen=True, slots=True)
class PayrollTotals:
    employees: int
    computed: int
    excluded: int
    failed: int
    gross: Decimal
    total_deductions: Decimal
    net: Decimal
    employer_contributions: Decimal
    employer_cost: Decimal

    @classmethod
    def of(cls, payslips: tuple[Payslip, ...] | list[Payslip]) -> PayrollTotals:
        ok = [p for p in payslips if p.status is PayslipStatus.OK]
        return cls(
            employees=len(payslips),
            computed=len(ok),
            excluded=sum(1 for p in payslips if p.status is PayslipStatus.EXCLUDED),
            failed=sum(1 for p in payslips if p.status is PayslipStatus.ERROR),
            gross=sum((p.gross for p in ok), ZERO),
            total_deductions=sum((p.total_deductions for p in ok), ZERO),
            net=sum((p.net for p in ok), ZERO),
            employer_contributions=sum((p.employer_contributions for p in ok), ZERO),
            employer_cost=sum((p.employer_cost for p in ok), ZERO),
        )
