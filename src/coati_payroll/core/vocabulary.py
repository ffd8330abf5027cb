"""The names a payroll formula may read, and their types: the engine's side of the Scope.

Built-in names are lower case; concept codes are whatever the setup declares (conventionally
upper case). Which kinds of concept may read which names is decided in
:mod:`coati_payroll.core.ordering`; this module only says what exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from coati_payroll.core.formula.scope import ValueType
from coati_payroll.core.formula.tables import Table
from coati_payroll.core.model import FieldType, PayrollSetup
from coati_payroll.core.money import RoundingPolicy

NUMBER, BOOLEAN, DATE = ValueType.NUMBER, ValueType.BOOLEAN, ValueType.DATE

#: Names every payslip provides (before any concept is computed).
EMPLOYEE_NAMES: Final[Mapping[str, ValueType]] = MappingProxyType({
    "salary": NUMBER,
    "monthly_salary": NUMBER,
    "daily_rate": NUMBER,
    "hourly_rate": NUMBER,
    "period_salary": NUMBER,
    "base_salary": NUMBER,
    "exchange_rate": NUMBER,
    "period.start": DATE,
    "period.end": DATE,
    "period.payment_date": DATE,
    "period.days": NUMBER,
    "period.worked_days": NUMBER,
    "period.paid_days": NUMBER,
    "period.absence_days": NUMBER,
    "period.absence_hours": NUMBER,
    "period.number": NUMBER,
    "period.periods_per_year": NUMBER,
    "period.remaining_periods": NUMBER,
    "employee.hire_date": DATE,
    "employee.years_of_service": NUMBER,
    "employee.hired_in_period": BOOLEAN,
    "employee.terminated_in_period": BOOLEAN,
})

#: Totals that exist only once their parts are computed (see ordering rules).
GROSS: Final = "gross"
TOTAL_DEDUCTIONS: Final = "total_deductions"
NET: Final = "net"
TOTAL_NAMES: Final = (GROSS, TOTAL_DEDUCTIONS, NET)

#: Names bound per loan inside a loan deduction.
LOAN_NAMES: Final = ("loan.installment", "loan.balance")

NAMESPACES: Final = frozenset({"period", "employee", "input", "custom", "ytd", "loan", "total"})

_FIELD_TYPES: Final[Mapping[FieldType, ValueType]] = MappingProxyType({
    FieldType.NUMBER: NUMBER,
    FieldType.TEXT: ValueType.TEXT,
    FieldType.DATE: DATE,
    FieldType.BOOLEAN: BOOLEAN,
})


def input_name(code: str) -> str:
    return f"input.{code}"


def custom_name(code: str) -> str:
    return f"custom.{code}"


def ytd_name(code: str) -> str:
    return f"ytd.{code}"


def tag_name(tag: str) -> str:
    return f"total.{tag}"


@dataclass(frozen=True)
class PayrollScope:
    """The :class:`~coati_payroll.core.formula.scope.Scope` of one payroll setup.

    ``with_loan`` adds ``loan.installment`` and ``loan.balance`` (loan deductions only).
    """

    names: Mapping[str, ValueType]
    tables: Mapping[str, Table]
    rounding: RoundingPolicy
    with_loan: bool = False
    _loan_names: frozenset[str] = field(default=frozenset(LOAN_NAMES), repr=False)

    def resolve(self, name: str) -> ValueType | None:
        if name in self._loan_names:
            return NUMBER if self.with_loan else None
        return self.names.get(name)

    def namespaces(self) -> frozenset[str]:
        return NAMESPACES

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)

    def known_names(self) -> Iterable[str]:
        yield from self.names
        if self.with_loan:
            yield from self._loan_names

    def for_loans(self) -> PayrollScope:
        return PayrollScope(self.names, self.tables, self.rounding, with_loan=True)


def build_scope(setup: PayrollSetup) -> PayrollScope:
    """Every name a formula of ``setup`` may read, with its type."""
    names: dict[str, ValueType] = dict(EMPLOYEE_NAMES)
    names.update(dict.fromkeys(TOTAL_NAMES, NUMBER))
    names.update((input_name(code), NUMBER) for code in setup.inputs)
    names.update((custom_name(code), _FIELD_TYPES[d.type]) for code, d in
                 setup.custom_fields.items())
    names.update((ytd_name(acc.code), NUMBER) for acc in setup.accumulators)
    for concept in setup.concepts:
        names[concept.code] = NUMBER
        names.update((tag_name(tag), NUMBER) for tag in concept.tags)
    return PayrollScope(MappingProxyType(names), setup.tables, setup.currency.rounding)
