"""Payroll runs: create, calculate, recalculate, approve (apply and void: ``runs_apply``).

States and transitions (see :mod:`coati_payroll.db.models.runs`)::

    create ─▶ draft ─calculate─▶ calculating ─▶ generated ─approve─▶ approved ─apply─▶ applied
                                     │  ▲           │ recalculate                       │ void
                                     ▼  └── error ◀─┘ (a failed calculation)             ▼
                                   error                                              voided

* **calculate** (draft or error) and **recalculate** (generated or error) first claim the run with
  a conditional ``UPDATE … SET calculation_token=:t WHERE calculation_token IS NULL`` committed
  on its own: a second calculation of the same run at the same moment gets :class:`Conflict`.
  The calculation then runs in one transaction: setup and employees loaded in bulk
  (:mod:`~coati_payroll.services.snapshot`), payslips computed by the core in chunks of
  employees and written with bulk INSERTs per chunk, totals and status ``generated``.
  One employee's error is stored on its row (the run is still ``generated``, with ``failed`` > 0);
  an excluded employee is stored with its notice. A run-level failure (a formula that does not
  compile, a dependency cycle) leaves the run in ``error`` with the message and re-raises.
* **recalculate** deletes the previous results and computes again. Loans, year-to-date balances
  and novelties are only touched by *apply*, so nothing is ever charged twice. By default it
  reuses the setup stored in the run snapshot (same concept versions, tables, exchange rates)
  and reloads the employees (salaries, novelties, loans, year-to-date); ``refresh_setup=True``
  takes a new setup snapshot (after correcting a concept).
* **approve** (generated only) refuses while any employee's payslip is in error, listing them:
  an approved run must pay everybody it names. Fix the data and recalculate, or take the
  employee off the payroll definition and recalculate. Excluded employees do not block.
* Applied and voided runs are immutable: every operation on them raises :class:`InvalidState`.

Every transition writes an audit entry in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.engine import compile_payroll
from coati_payroll.core.model import PayPeriod, Periodicity
from coati_payroll.core.results import EmployeeFailure, Payslip, PayslipStatus
from coati_payroll.db import models as m
from coati_payroll.db.models import PayrollRun, RunStatus
from coati_payroll.db.types import utcnow
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import Conflict, InvalidInput, InvalidState, NotFound
from coati_payroll.services.runs_results import currency_scale, delete_results, write_payslips
from coati_payroll.services.snapshot import (
    EmployeeSource,
    load_employees,
    load_setup,
    setup_from_json,
    setup_to_json,
)
from coati_payroll.services.uow import UnitOfWork

DEFAULT_CHUNK_SIZE: Final = 1000
ENTITY: Final = "payroll_run"
ZERO: Final = Decimal(0)
#: States in which a run blocks another run of the same definition over the same days.
ACTIVE_STATES: Final = frozenset(set(RunStatus) - {RunStatus.VOIDED})
_TOTALS: Final = ("gross", "total_deductions", "net", "employer_contributions", "employer_cost")


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A run's header as a plain value (safe to use after the transaction)."""

    id: int
    definition_id: int
    period_start: date
    period_end: date
    payment_date: date | None
    status: RunStatus
    employees: int
    computed: int
    excluded: int
    failed: int
    gross: Decimal
    total_deductions: Decimal
    net: Decimal
    employer_contributions: Decimal
    employer_cost: Decimal
    calculated_at: datetime | None
    void_reason: str | None
    error_message: str | None

    @classmethod
    def of(cls, run: PayrollRun) -> RunSummary:
        money = currency_scale(run.snapshot)

        def amount(value: Decimal | None) -> Decimal:
            return money(ZERO if value is None else value)

        return cls(run.id, run.definition_id, run.period_start, run.period_end,
                   run.payment_date, RunStatus(run.status), run.employees or 0,
                   run.computed or 0, run.excluded or 0, run.failed or 0,
                   amount(run.gross), amount(run.total_deductions), amount(run.net),
                   amount(run.employer_contributions), amount(run.employer_cost),
                   run.calculated_at, run.void_reason, run.error_message)


def get_run(session: Session, run_id: int) -> PayrollRun:
    """The run, or :class:`NotFound`."""
    run = session.get(PayrollRun, run_id)
    if run is None:
        raise NotFound(f"payroll run {run_id} does not exist", run_id=run_id)
    return run


def require_state(run: PayrollRun, allowed: Sequence[RunStatus], action: str) -> None:
    """Raise :class:`InvalidState` unless the run is in one of ``allowed``."""
    if run.status not in allowed:
        wanted = " or ".join(s.value for s in allowed)
        raise InvalidState(f"cannot {action} payroll run {run.id}: it is {run.status.value} "
                           f"(only a {wanted} run can be)", run_id=run.id,
                           status=run.status.value)


def show_run(uow: UnitOfWork, run_id: int) -> RunSummary:
    with uow:
        return RunSummary.of(get_run(uow.session, run_id))


# -- create -----------------------------------------------------------------------------------

def _month_end(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def period_after(periodicity: Periodicity, start: date) -> tuple[date, date]:
    """The period of ``periodicity`` that starts on ``start`` (monthly: to the month end;
    semi-monthly: 1–15 or 16–month end; biweekly/weekly/daily: 14/7/1 days)."""
    if periodicity is Periodicity.MONTHLY:
        return start, _month_end(start)
    if periodicity is Periodicity.SEMI_MONTHLY:
        return start, (start.replace(day=15) if start.day <= 15 else _month_end(start))
    days = {Periodicity.BIWEEKLY: 14, Periodicity.WEEKLY: 7, Periodicity.DAILY: 1}[periodicity]
    return start, start + timedelta(days=days - 1)


def suggest_next_period(session: Session, definition_id: int,
                        today: date) -> tuple[date, date]:
    """The period after the definition's latest non-voided run; with no run, the period of
    the payroll type's periodicity that contains ``today`` (month or half month; for the
    other periodicities the one starting ``today``)."""
    definition = session.get(m.PayrollDefinition, definition_id)
    if definition is None:
        raise NotFound(f"payroll definition {definition_id} does not exist")
    periodicity = Periodicity(definition.payroll_type.periodicity)
    last = session.execute(
        sa.select(sa.func.max(PayrollRun.period_end))
        .where(PayrollRun.definition_id == definition_id,
               PayrollRun.status != RunStatus.VOIDED)).scalar_one()
    if last is not None:
        return period_after(periodicity, last + timedelta(days=1))
    if periodicity is Periodicity.MONTHLY:
        return period_after(periodicity, today.replace(day=1))
    if periodicity is Periodicity.SEMI_MONTHLY:
        return period_after(periodicity, today.replace(day=1 if today.day <= 15 else 16))
    return period_after(periodicity, today)


def create_run(uow: UnitOfWork, actor: Actor, definition_id: int, period_start: date,
               period_end: date, payment_date: date | None = None) -> RunSummary:
    """A new draft run. Refuses (:class:`InvalidInput`) an end before the start and an
    unknown or inactive definition, and (:class:`InvalidState`) a period overlapping another
    run of the definition that is not voided."""
    if period_end < period_start:
        raise InvalidInput("the period ends before it starts",
                           {"period_end": f"{period_end} is before {period_start}"})
    with uow:
        session = uow.session
        definition = session.get(m.PayrollDefinition, definition_id)
        if definition is None:
            raise NotFound(f"payroll definition {definition_id} does not exist")
        if not definition.active:
            raise InvalidState(f"payroll definition {definition.code} is inactive")
        overlapping = session.execute(
            sa.select(PayrollRun.id, PayrollRun.period_start, PayrollRun.period_end,
                      PayrollRun.status)
            .where(PayrollRun.definition_id == definition_id,
                   PayrollRun.status.in_(sorted(ACTIVE_STATES)),
                   PayrollRun.period_start <= period_end,
                   PayrollRun.period_end >= period_start)).first()
        if overlapping is not None:
            other, start, end, status = overlapping
            raise InvalidState(f"payroll run {other} ({start} to {end}, {status}) already "
                               f"covers part of {period_start} to {period_end}; void it first",
                               run_id=other)
        run = PayrollRun(definition_id=definition_id, period_start=period_start,
                         period_end=period_end, payment_date=payment_date,
                         status=RunStatus.DRAFT, created_by_id=actor.user_id)
        session.add(run)
        session.flush()
        audit.record(session, actor, "run.create", ENTITY, run.id, before={}, after={
            "definition": definition.code, "period_start": period_start,
            "period_end": period_end, "payment_date": payment_date})
        summary = RunSummary.of(run)
        uow.commit()
        return summary


# -- calculate --------------------------------------------------------------------------------

def calculate_run(uow: UnitOfWork, actor: Actor, run_id: int, *,
                  chunk_size: int = DEFAULT_CHUNK_SIZE) -> RunSummary:
    """Calculate a draft run (or retry one in error); see the module docstring.

    Raises :class:`Conflict` when another calculation holds the run, :class:`InvalidState`
    in any other state, and the core's ``ConfigurationError`` (after marking the run
    ``error``) when the setup does not compile."""
    return _calculate(uow, actor, run_id, (RunStatus.DRAFT, RunStatus.ERROR), "calculate",
                      refresh_setup=True, chunk_size=chunk_size)


def recalculate_run(uow: UnitOfWork, actor: Actor, run_id: int, *, refresh_setup: bool = False,
                    chunk_size: int = DEFAULT_CHUNK_SIZE) -> RunSummary:
    """Delete a generated (or failed) run's results and calculate again; see the module
    docstring for what is reused. Approved, applied and voided runs are refused."""
    return _calculate(uow, actor, run_id, (RunStatus.GENERATED, RunStatus.ERROR), "recalculate",
                      refresh_setup=refresh_setup, chunk_size=chunk_size)


def _calculate(uow: UnitOfWork, actor: Actor, run_id: int, allowed: Sequence[RunStatus],
               action: str, *, refresh_setup: bool, chunk_size: int) -> RunSummary:
    if chunk_size < 1:
        raise InvalidInput("chunk_size must be at least 1", {"chunk_size": str(chunk_size)})
    token = _claim(uow, actor, run_id, allowed, action)
    try:
        return _compute(uow, actor, run_id, token, action, refresh_setup, chunk_size)
    except Exception as error:  # released and re-raised: never swallowed
        _release_failed(uow, actor, run_id, token, error)
        raise


def _claim(uow: UnitOfWork, actor: Actor, run_id: int, allowed: Sequence[RunStatus],
           action: str) -> str:
    token = secrets.token_hex(16)
    with uow:
        session = uow.session
        run = get_run(session, run_id)
        if run.calculation_token is not None or run.status is RunStatus.CALCULATING:
            raise _busy(run_id)
        require_state(run, allowed, action)
        before = run.status
        claimed = cast(sa.CursorResult[Any], session.execute(
            sa.update(PayrollRun)
            .where(PayrollRun.id == run_id, PayrollRun.calculation_token.is_(None),
                   PayrollRun.status.in_([s.value for s in allowed]))
            .values(calculation_token=token, status=RunStatus.CALCULATING,
                    error_message=None, version_id=PayrollRun.version_id + 1,
                    updated_at=utcnow())
            .execution_options(synchronize_session=False)))
        if claimed.rowcount != 1:
            raise _busy(run_id)
        audit.record(session, actor, f"run.{action}.start", ENTITY, run_id,
                     before={"status": before}, after={"status": RunStatus.CALCULATING})
        uow.commit()
    return token


def _busy(run_id: int) -> Conflict:
    return Conflict(f"payroll run {run_id} is being calculated by another process right now; "
                    "wait for it to finish and look at the run again", run_id=run_id)


def _compute(uow: UnitOfWork, actor: Actor, run_id: int, token: str, action: str,
             refresh_setup: bool, chunk_size: int) -> RunSummary:
    with uow:
        session = uow.session
        run = get_run(session, run_id)
        if run.calculation_token != token:
            raise _busy(run_id)
        period = PayPeriod(run.period_start, run.period_end, run.payment_date)
        snapshot: dict[str, Any]
        if not refresh_setup and run.snapshot and "setup" in run.snapshot:
            setup = setup_from_json(run.snapshot["setup"])
            snapshot = dict(run.snapshot)
        else:
            loaded = load_setup(session, run.definition_id, period)
            setup = loaded.setup
            snapshot = {"setup": setup_to_json(setup),
                        "concept_versions": dict(loaded.concept_versions),
                        "omitted_concepts": dict(loaded.omitted_concepts)}
        compiled = compile_payroll(setup)
        sources = load_employees(session, run.definition_id, setup)
        delete_results(session, run_id)
        counts = dict.fromkeys(("employees", "computed", "excluded", "failed"), 0)
        sums = dict.fromkeys(_TOTALS, ZERO)
        for offset in range(0, len(sources), chunk_size):
            chunk = sources[offset:offset + chunk_size]
            payslips = [_payslip(compiled.compute(source.employee), source, period.end)
                        for source in chunk]
            write_payslips(session, run_id, chunk, payslips)
            _add_totals(payslips, counts, sums)
        before = {"status": run.status}
        for name, value in counts.items():
            setattr(run, name, value)
        for name, amount in sums.items():
            setattr(run, name, amount)
        run.progress_total = run.progress_done = counts["employees"]
        run.progress_failed = counts["failed"]
        run.snapshot = snapshot
        run.status = RunStatus.GENERATED
        run.calculated_at = utcnow()
        run.calculation_token = None
        run.error_message = None
        session.flush()
        audit.record(session, actor, f"run.{action}", ENTITY, run_id, before=before, after={
            "status": run.status, **counts, **sums,
            "omitted_concepts": snapshot.get("omitted_concepts", {})})
        summary = RunSummary.of(run)
        uow.commit()
        return summary


def _payslip(payslip: Payslip, source: EmployeeSource, period_end: date) -> Payslip:
    if source.missing_salary and payslip.status is not PayslipStatus.EXCLUDED:
        return Payslip(payslip.employee_id, PayslipStatus.ERROR, failure=EmployeeFailure(
            "missing_salary", f"employee {source.code} has no salary in force on {period_end}",
            None, {"employee": source.code, "date": period_end.isoformat()}))
    return payslip


def _add_totals(payslips: Sequence[Payslip], counts: dict[str, int],
                sums: dict[str, Decimal]) -> None:
    for slip in payslips:
        counts["employees"] += 1
        if slip.status is PayslipStatus.OK:
            counts["computed"] += 1
            sums["gross"] += slip.gross
            sums["total_deductions"] += slip.total_deductions
            sums["net"] += slip.net
            sums["employer_contributions"] += slip.employer_contributions
            sums["employer_cost"] += slip.employer_cost
        elif slip.status is PayslipStatus.EXCLUDED:
            counts["excluded"] += 1
        else:
            counts["failed"] += 1


def _release_failed(uow: UnitOfWork, actor: Actor, run_id: int, token: str,
                    error: Exception) -> None:
    """Mark the run ``error`` with ``error``'s message, if this calculation still holds it."""
    message = f"{type(error).__name__}: {error}"[:4000]
    with uow:
        session = uow.session
        released = cast(sa.CursorResult[Any], session.execute(
            sa.update(PayrollRun)
            .where(PayrollRun.id == run_id, PayrollRun.calculation_token == token)
            .values(calculation_token=None, status=RunStatus.ERROR, error_message=message,
                    version_id=PayrollRun.version_id + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)))
        if released.rowcount == 1:
            audit.record(session, actor, "run.calculate.fail", ENTITY, run_id,
                         before={"status": RunStatus.CALCULATING},
                         after={"status": RunStatus.ERROR, "error": message})
        uow.commit()


# -- approve ----------------------------------------------------------------------------------

def approve_run(uow: UnitOfWork, actor: Actor, run_id: int) -> RunSummary:
    """generated → approved; refused while any payslip is in error (the message lists up to
    20 employee codes)."""
    with uow:
        session = uow.session
        run = get_run(session, run_id)
        require_state(run, (RunStatus.GENERATED,), "approve")
        failed = session.execute(
            sa.select(m.Employee.code)
            .join(m.RunEmployee, m.RunEmployee.employee_id == m.Employee.id)
            .where(m.RunEmployee.run_id == run_id,
                   m.RunEmployee.status == PayslipStatus.ERROR)
            .order_by(m.Employee.code)).scalars().all()
        if failed:
            shown = ", ".join(failed[:20]) + (" …" if len(failed) > 20 else "")
            raise InvalidState(
                f"cannot approve payroll run {run_id}: {len(failed)} employee(s) failed "
                f"({shown}); correct them and recalculate, or take them off the payroll",
                run_id=run_id, failed=list(failed))
        run.status = RunStatus.APPROVED
        run.approved_by_id = actor.user_id
        run.approved_at = utcnow()
        audit.record(session, actor, "run.approve", ENTITY, run_id,
                     before={"status": RunStatus.GENERATED},
                     after={"status": RunStatus.APPROVED, "net": run.net})
        session.flush()
        summary = RunSummary.of(run)
        uow.commit()
        return summary
