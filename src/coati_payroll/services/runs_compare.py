"""Comparing two runs: per employee and concept, the amounts of run A and run B and the delta
(B − A); employees only in B (new) or only in A (missing); and the run totals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from coati_payroll.core.results import PayslipStatus
from coati_payroll.services.runs import get_run
from coati_payroll.services.runs_results import TOTAL_COLUMNS, ResultRow, result_rows
from coati_payroll.services.uow import UnitOfWork

ZERO: Final = Decimal(0)


@dataclass(frozen=True, slots=True)
class AmountDelta:
    """One amount in both runs: ``name`` is a concept code or a total (``gross`` …)."""

    name: str
    a: Decimal
    b: Decimal

    @property
    def delta(self) -> Decimal:
        return self.b - self.a


@dataclass(frozen=True, slots=True)
class EmployeeDelta:
    """An employee present in both runs; ``amounts`` lists every total and concept whose
    amount differs (all of them when ``changed`` is False: none)."""

    employee_id: int
    code: str
    name: str
    status_a: PayslipStatus
    status_b: PayslipStatus
    amounts: tuple[AmountDelta, ...]

    @property
    def changed(self) -> bool:
        return bool(self.amounts) or self.status_a is not self.status_b


@dataclass(frozen=True, slots=True)
class EmployeeOnly:
    """An employee present in one run only, with its net there."""

    employee_id: int
    code: str
    name: str
    status: PayslipStatus
    net: Decimal


@dataclass(frozen=True, slots=True)
class RunComparison:
    run_a: int
    run_b: int
    employees: tuple[EmployeeDelta, ...]  #: in both runs, with a difference
    unchanged: int  #: in both runs, identical
    new_employees: tuple[EmployeeOnly, ...]  #: in run B only
    missing_employees: tuple[EmployeeOnly, ...]  #: in run A only
    totals: tuple[AmountDelta, ...]  #: run totals (computed payslips) and per-concept sums


def _only(row: ResultRow) -> EmployeeOnly:
    return EmployeeOnly(row.employee_id, row.code, row.name, row.status, row.totals["net"])


def _amounts(a: ResultRow, b: ResultRow, codes: list[str]) -> tuple[AmountDelta, ...]:
    deltas = [AmountDelta(name, a.totals[name], b.totals[name]) for name in TOTAL_COLUMNS]
    deltas += [AmountDelta(code, a.concepts.get(code, ZERO), b.concepts.get(code, ZERO))
               for code in codes]
    return tuple(d for d in deltas if d.delta)


def compare_runs(uow: UnitOfWork, run_a: int, run_b: int) -> RunComparison:
    """Compare run ``run_a`` (before) with ``run_b`` (after); reads only (four SELECTs and
    the two run headers). Raises ``NotFound`` for an unknown run."""
    with uow:
        session = uow.session
        get_run(session, run_a)
        get_run(session, run_b)
        first, second = result_rows(session, run_a), result_rows(session, run_b)
    codes = list(dict.fromkeys([*first.concept_codes, *second.concept_codes]))
    by_a = {row.employee_id: row for row in first.rows}
    by_b = {row.employee_id: row for row in second.rows}
    changed: list[EmployeeDelta] = []
    unchanged = 0
    for row in second.rows:
        before = by_a.get(row.employee_id)
        if before is None:
            continue
        delta = EmployeeDelta(row.employee_id, row.code, row.name, before.status, row.status,
                              _amounts(before, row, codes))
        if delta.changed:
            changed.append(delta)
        else:
            unchanged += 1

    def total(rows: tuple[ResultRow, ...], name: str, concept: bool) -> Decimal:
        ok = (r for r in rows if r.status is PayslipStatus.OK)
        if concept:
            return sum((r.concepts.get(name, ZERO) for r in ok), ZERO)
        return sum((r.totals[name] for r in ok), ZERO)

    totals = tuple(
        AmountDelta(name, total(first.rows, name, concept), total(second.rows, name, concept))
        for names, concept in ((TOTAL_COLUMNS, False), (codes, True)) for name in names)
    return RunComparison(
        run_a, run_b, tuple(changed), unchanged,
        tuple(_only(r) for r in second.rows if r.employee_id not in by_a),
        tuple(_only(r) for r in first.rows if r.employee_id not in by_b),
        totals)
