"""Turning compiled concepts into payslip lines for one employee: conditions, floors and caps,
rounding, net-pay protection, loans, traces and totals (docs/calculation.md §4–6).

:class:`EmployeeLines` is created per employee and used once; it keeps the running totals that
net-pay protection needs so that no total is ever recomputed from the lines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from types import MappingProxyType
from typing import Final

from coati_payroll.core.errors import EmployeeError
from coati_payroll.core.formula.scope import TABLE_HITS, CompiledFormula
from coati_payroll.core.formula.tables import TableHit
from coati_payroll.core.model import Concept, ConceptKind, Employee, Loan, ShortfallPolicy
from coati_payroll.core.results import BASE_LINE, Line, Notice, Payslip, PayslipStatus, Trace
from coati_payroll.core.salary import SalaryFacts
from coati_payroll.core.vocabulary import tag_name

ZERO: Final = Decimal(0)
_BASE_NAMES: Final = ("monthly_salary", "daily_rate", "hourly_rate", "period_salary",
                      "period.days", "period.worked_days", "period.absence_days",
                      "period.paid_days", "period.absence_hours", "exchange_rate")


def _values_getter(names: tuple[str, ...]) -> Callable[[Mapping[str, object]], tuple[object, ...]]:
    if not names:
        return lambda env: ()
    if len(names) == 1:
        single = itemgetter(names[0])
        return lambda env: (single(env),)
    return itemgetter(*names)


@dataclass(frozen=True, slots=True)
class ConceptPlan:
    """One concept, compiled and ready to compute."""

    code: str
    name: str
    kind: ConceptKind
    formula: CompiledFormula
    condition: CompiledFormula | None
    cap: Decimal | None
    floor: Decimal | None
    skip_when_short: bool
    loan: bool
    tag_keys: tuple[str, ...]
    names: tuple[str, ...]
    values: Callable[[Mapping[str, object]], tuple[object, ...]]
    uses_tables: bool

    def read(self, env: Mapping[str, object]) -> tuple[tuple[str, object], ...]:
        """The (name, value) pairs the formula read, for the trace."""
        return tuple(zip(self.names, self.values(env), strict=False))

    @property
    def reads(self) -> tuple[str, ...]:
        condition_names = self.condition.names if self.condition else ()
        return (*self.formula.names, *condition_names)

    @classmethod
    def build(cls, concept: Concept, formula: CompiledFormula,
              condition: CompiledFormula | None) -> ConceptPlan:
        return cls(
            code=concept.code, name=concept.name or concept.code, kind=concept.kind,
            formula=formula, condition=condition, cap=concept.cap, floor=concept.floor,
            skip_when_short=concept.shortfall is ShortfallPolicy.SKIP, loan=concept.loan,
            tag_keys=tuple(tag_name(tag) for tag in sorted(concept.tags)),
            names=formula.names, values=_values_getter(formula.names),
            uses_tables=bool(formula.tables))


class EmployeeLines:
    """The lines, notices and running totals of one payslip under construction."""

    def __init__(self, rounder: Callable[[Decimal], Decimal]) -> None:
        self.rounder = rounder
        self.lines: list[Line] = []
        self.notices: list[Notice] = []
        zero = rounder(ZERO)  # 0 at the currency's scale (0.00), so empty totals print alike
        self.gross = zero
        self.deductions = zero
        self.employer = zero
        self.gross_closed = False
        self.net_closed = False
        self.loan_balances: dict[str, Decimal] = {}
        self.current: str | None = None

    def notice(self, code: str, **params: object) -> None:
        self.notices.append(Notice(code, MappingProxyType(params)))

    def add_base(self, facts: SalaryFacts, env: Mapping[str, object]) -> Decimal:
        """Round the base salary into the BASE line; returns the rounded amount."""
        amount = self.rounder(facts.base)
        if amount:
            values = tuple((name, env[name]) for name in _BASE_NAMES)
            self.lines.append(Line(BASE_LINE, "Base salary", ConceptKind.EARNING, amount,
                                   Trace(facts.rule, values, (), facts.base)))
            self.gross += amount
        return amount

    def close_gross(self) -> Decimal:
        self.gross_closed = True
        return self.gross

    def close_net(self) -> tuple[Decimal, Decimal]:
        self.net_closed = True
        return self.deductions, self.gross - self.deductions

    def _evaluate(self, plan: ConceptPlan,
                  env: dict[str, object]) -> tuple[Decimal, Decimal, list[TableHit], str]:
        """(rounded amount, unrounded formula value, table rows, note) of ``plan``."""
        hits: list[TableHit] = []
        if plan.uses_tables:
            env[TABLE_HITS] = hits
        raw = plan.formula.evaluate(env)
        assert isinstance(raw, Decimal)
        if raw < 0:
            self._negative(plan, raw)
        value = raw
        note = ""
        if plan.floor is not None and value < plan.floor:
            value = plan.floor
            note = f"raised to the floor {plan.floor}"
        if plan.cap is not None and value > plan.cap:
            value = plan.cap
            note = f"limited to the cap {plan.cap}"
        return self.rounder(value), raw, hits, note

    def _protect(self, plan: ConceptPlan, requested: Decimal, loan_id: str | None) -> Decimal:
        """Net-pay protection: what of ``requested`` a deduction may take."""
        available = self.gross - self.deductions
        if requested <= available:
            return requested
        applied = ZERO if plan.skip_when_short else max(available, ZERO)
        self.notice("deduction_skipped" if plan.skip_when_short else "deduction_cut",
                    concept=plan.code, requested=requested, applied=applied,
                    shortfall=requested - applied, loan_id=loan_id)
        return applied

    def _record(self, plan: ConceptPlan, env: dict[str, object], amount: Decimal,
                trace: Trace, loan_id: str | None = None) -> None:
        self.lines.append(Line(plan.code, plan.name, plan.kind, amount, trace, loan_id))
        previous = env[plan.code]
        assert isinstance(previous, Decimal)
        env[plan.code] = previous + amount
        for key in plan.tag_keys:
            total = env[key]
            assert isinstance(total, Decimal)
            env[key] = total + amount
        if plan.kind is ConceptKind.EARNING:
            self.gross += amount
        elif plan.kind is ConceptKind.DEDUCTION:
            self.deductions += amount
        else:
            self.employer += amount

    def add_concept(self, plan: ConceptPlan, env: dict[str, object]) -> None:
        """Compute one non-loan concept into a line (the hot path: kept in one function)."""
        self.current = plan.code
        if plan.condition is not None and not plan.condition.evaluate(env):
            return
        hits: list[TableHit] = []
        if plan.uses_tables:
            env[TABLE_HITS] = hits
        raw = plan.formula.evaluate(env)
        if raw < 0:  # type: ignore[operator]
            self._negative(plan, raw)
        value: Decimal = raw  # type: ignore[assignment]
        note = ""
        if plan.floor is not None and value < plan.floor:
            value = plan.floor
            note = f"raised to the floor {plan.floor}"
        if plan.cap is not None and value > plan.cap:
            value = plan.cap
            note = f"limited to the cap {plan.cap}"
        amount = self.rounder(value)
        kind = plan.kind
        if kind is ConceptKind.DEDUCTION and amount > self.gross - self.deductions:
            amount = self._protect(plan, amount, None)
        if not amount:
            return
        self.lines.append(Line(plan.code, plan.name, kind, amount, Trace(
            plan.formula.source, plan.read(env), tuple(hits), raw, note)))  # type: ignore[arg-type]
        env[plan.code] = amount
        for key in plan.tag_keys:
            env[key] += amount  # type: ignore[operator]
        if kind is ConceptKind.EARNING:
            self.gross += amount
        elif kind is ConceptKind.DEDUCTION:
            self.deductions += amount
        else:
            self.employer += amount

    @staticmethod
    def _negative(plan: ConceptPlan, raw: object) -> None:
        raise EmployeeError(f"{plan.code} computed a negative amount ({raw}); a formula "
                            "that may go below zero should use max(0, …)",
                            code="negative_amount", concept=plan.code, amount=raw)

    def add_loans(self, plan: ConceptPlan, env: dict[str, object], loans: Sequence[Loan]) -> None:
        self.current = plan.code
        for loan in loans:
            env["loan.installment"] = loan.installment
            env["loan.balance"] = loan.balance
            applied = ZERO
            if plan.condition is None or plan.condition.evaluate(env):
                amount, raw, hits, note = self._evaluate(plan, env)
                if amount > loan.balance:
                    amount = min(self.rounder(loan.balance), loan.balance)
                    note = f"limited to the loan balance {loan.balance}"
                applied = self._protect(plan, amount, loan.id)
                if applied:
                    trace = Trace(plan.formula.source, plan.read(env), tuple(hits), raw, note)
                    self._record(plan, env, applied, trace, loan.id)
            self.loan_balances[loan.id] = loan.balance - applied

    def payslip(self, employee: Employee, ytd_after: dict[str, Decimal]) -> Payslip:
        for loan in employee.loans:
            self.loan_balances.setdefault(loan.id, loan.balance)
        gross = self.gross
        net = gross - self.deductions
        return Payslip(
            employee.id, PayslipStatus.OK, tuple(self.lines), gross, self.deductions, net,
            self.employer, gross + self.employer, tuple(self.notices),
            MappingProxyType(ytd_after), MappingProxyType(self.loan_balances))
