"""Applying an approved run, and voiding a run (reversing exactly what apply did).

**apply** (approved → applied), in one transaction:

* year-to-date: for every computed employee and accumulator, the balance of the run's fiscal
  year gains ``ytd_after − prior`` (prior = the value the calculation read, kept in the
  employee snapshot); rows are created when missing;
* loans: one ``payment`` movement per loan with a deduction in the run (the sum of its lines),
  ``Loan.balance`` falls by that amount and the loan becomes ``paid`` at zero;
* novelties: the pending novelties the calculation read become ``executed`` with ``run_id``.

Apply refuses (:class:`InvalidState`, "recalculate") when what the calculation read has changed
since: a year-to-date balance or a loan balance that is not the one computed with, a novelty
no longer pending, or a pending novelty of the period that the calculation did not see. So an
applied run always matches the data it was computed from.

**void** (with a reason; any state but voided): for an applied run, subtracts the same
year-to-date deltas, writes one ``reversal`` movement per payment of the run (balance back up,
``paid`` loans ``active`` again) and sets the run's novelties back to ``pending`` (run_id
cleared). For a run that was never applied nothing else changes. A ``calculating`` run may be
voided too (the way out of a calculation whose process died); a calculation still running on
it then fails on the run's version and saves nothing. Voided runs are immutable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Final, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.results import PayslipStatus
from coati_payroll.db import models as m
from coati_payroll.db.models import PayrollRun, RunStatus
from coati_payroll.db.types import utcnow
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState
from coati_payroll.services.runs import ENTITY, RunSummary, get_run, require_state
from coati_payroll.services.snapshot import fiscal_year_of, plain, setup_from_json
from coati_payroll.services.uow import UnitOfWork

ZERO: Final = Decimal(0)
ID_CHUNK: Final = 1000


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for offset in range(0, len(ids), ID_CHUNK):
        yield list(ids[offset:offset + ID_CHUNK])


class _Computed:
    """What the run's computed payslips say: year-to-date deltas, loan payments, novelties."""

    def __init__(self, session: Session, run: PayrollRun) -> None:
        assert run.snapshot is not None
        self.setup = setup_from_json(run.snapshot["setup"])
        self.fiscal_year = fiscal_year_of(self.setup)
        codes = [acc.code for acc in self.setup.accumulators]
        self.prior: dict[tuple[int, str], Decimal] = {}
        self.delta: dict[tuple[int, str], Decimal] = {}
        self.loan_before: dict[int, Decimal] = {}
        self.novelty_ids: list[int] = []
        self.employee_ids: list[int] = []
        result = m.RunEmployee
        for employee_id, ytd_after, snapshot in session.execute(
                sa.select(result.employee_id, result.ytd_after, result.employee_snapshot)
                .where(result.run_id == run.id, result.status == PayslipStatus.OK)):
            self.employee_ids.append(employee_id)
            prior = snapshot.get("ytd", {})
            for code in codes:
                before = Decimal(prior.get(code, "0"))
                after = Decimal((ytd_after or {}).get(code, before))
                self.prior[employee_id, code] = before
                self.delta[employee_id, code] = after - before
            for loan_id, _, _, balance in snapshot.get("loans", ()):
                self.loan_before[int(loan_id)] = Decimal(balance)
            self.novelty_ids.extend(snapshot.get("novelty_ids", ()))
        self.paid: dict[int, Decimal] = defaultdict(Decimal)
        for loan_id, amount in session.execute(
                sa.select(m.RunLine.loan_id, m.RunLine.amount)
                .where(m.RunLine.run_id == run.id, m.RunLine.loan_id.is_not(None))):
            if loan_id is not None:
                self.paid[loan_id] += amount


def _run_members(run_id: int) -> sa.Select[Any]:
    return sa.select(m.RunEmployee.employee_id).where(m.RunEmployee.run_id == run_id)


def _balances(session: Session, run_id: int,
              fiscal_year: int) -> dict[tuple[int, str], tuple[int, Decimal]]:
    ytd = m.YtdBalance
    return {(employee_id, code): (row_id, plain(amount)) for row_id, employee_id, code, amount
            in session.execute(
                sa.select(ytd.id, ytd.employee_id, ytd.accumulator_code, ytd.amount)
                .where(ytd.fiscal_year == fiscal_year,
                       ytd.employee_id.in_(_run_members(run_id))))}


def apply_run(uow: UnitOfWork, actor: Actor, run_id: int) -> RunSummary:
    """approved → applied; see the module docstring for what changes and what is refused."""
    with uow:
        session = uow.session
        run = get_run(session, run_id)
        require_state(run, (RunStatus.APPROVED,), "apply")
        computed = _Computed(session, run)
        stale: list[str] = []
        balances = _balances(session, run_id, computed.fiscal_year)
        updates: list[dict[str, Any]] = []
        inserts: list[dict[str, Any]] = []
        for key, prior in computed.prior.items():
            row_id, current = balances.get(key, (None, ZERO))
            if current != prior:
                stale.append(f"year-to-date {key[1]} of employee {key[0]} is {current}, "
                             f"the calculation read {prior}")
            delta = computed.delta[key]
            if not delta:
                continue
            if row_id is None:
                inserts.append({"employee_id": key[0], "accumulator_code": key[1],
                                "fiscal_year": computed.fiscal_year, "amount": delta})
            else:
                updates.append({"id": row_id, "amount": current + delta})
        loans = _apply_loans(session, run, computed, stale)
        novelties = _check_novelties(session, run, computed, stale)
        if stale:
            shown = "; ".join(stale[:10]) + (" …" if len(stale) > 10 else "")
            raise InvalidState(f"cannot apply payroll run {run_id}: its data changed after the "
                               f"calculation ({shown}); recalculate it and approve again",
                               run_id=run_id, changes=len(stale))
        if updates:
            session.execute(sa.update(m.YtdBalance), updates)
        if inserts:
            session.execute(sa.insert(m.YtdBalance), inserts)
        for ids in _chunks(novelties):
            session.execute(
                sa.update(m.Novelty).where(m.Novelty.id.in_(ids))
                .values(status=m.NoveltyStatus.EXECUTED, run_id=run_id, updated_at=utcnow())
                .execution_options(synchronize_session=False))
        run.status = RunStatus.APPLIED
        run.applied_by_id = actor.user_id
        run.applied_at = utcnow()
        audit.record(session, actor, "run.apply", ENTITY, run_id,
                     before={"status": RunStatus.APPROVED},
                     after={"status": RunStatus.APPLIED, "ytd_rows": len(updates) + len(inserts),
                            "loan_payments": loans, "novelties": len(novelties)})
        session.flush()
        summary = RunSummary.of(run)
        uow.commit()
        return summary


def _apply_loans(session: Session, run: PayrollRun, computed: _Computed,
                 stale: list[str]) -> int:
    """Check the paid loans' balances and (when nothing is stale) write the payments."""
    if not computed.paid:
        return 0
    loan = m.Loan
    current = {loan_id: (plain(balance), status) for loan_id, balance, status in session.execute(
        sa.select(loan.id, loan.balance, loan.status).where(loan.id.in_(
            sa.select(m.RunLine.loan_id).where(m.RunLine.run_id == run.id))))}
    day = run.payment_date or run.period_end
    movements: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for loan_id, amount in sorted(computed.paid.items()):
        before = computed.loan_before[loan_id]
        balance, status = current[loan_id]
        if balance != before or status != m.LoanStatus.ACTIVE:
            stale.append(f"loan {loan_id} is {status} with balance {balance}, the calculation "
                         f"read {before}")
            continue
        after = balance - amount
        movements.append({"loan_id": loan_id, "movement_date": day,
                          "kind": m.MovementKind.PAYMENT, "amount": amount,
                          "balance_after": after, "run_id": run.id,
                          "note": f"payroll run {run.id}"})
        updates.append({"id": loan_id, "balance": after,
                        "status": m.LoanStatus.PAID if after <= 0 else m.LoanStatus.ACTIVE})
    if not stale:
        session.execute(sa.insert(m.LoanMovement), movements)
        session.execute(sa.update(m.Loan), updates)
    return len(movements)


def _check_novelties(session: Session, run: PayrollRun, computed: _Computed,
                     stale: list[str]) -> list[int]:
    novelty = m.Novelty
    pending = set(session.execute(
        sa.select(novelty.id).where(
            novelty.employee_id.in_(_run_members(run.id)),
            novelty.status == m.NoveltyStatus.PENDING,
            novelty.effective_date >= run.period_start,
            novelty.effective_date <= run.period_end,
            sa.or_(novelty.definition_id == run.definition_id,
                   novelty.definition_id.is_(None)))).scalars())
    used = set(computed.novelty_ids)
    if used - pending:
        stale.append(f"{len(used - pending)} novelt(y/ies) read by the calculation are no "
                     f"longer pending (e.g. {min(used - pending)})")
    if pending - used:
        stale.append(f"{len(pending - used)} pending novelt(y/ies) of the period were entered "
                     f"after the calculation (e.g. {min(pending - used)})")
    return sorted(used)


def void_run(uow: UnitOfWork, actor: Actor, run_id: int, reason: str) -> RunSummary:
    """Void the run with ``reason`` (required); an applied run is reversed (module docstring).
    Raises :class:`InvalidState` for a run already voided."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("a reason is required to void a payroll run",
                           {"reason": "give the reason for voiding"})
    with uow:
        session = uow.session
        run = get_run(session, run_id)
        if run.status is RunStatus.VOIDED:
            raise InvalidState(f"payroll run {run_id} is already voided; voided runs cannot "
                               "change", run_id=run_id, status=run.status.value)
        before = run.status
        reversed_: dict[str, int] = {}
        if before is RunStatus.APPLIED:
            reversed_ = _reverse(session, run)
        run.status = RunStatus.VOIDED
        run.calculation_token = None
        run.void_reason = reason
        run.voided_by_id = actor.user_id
        run.voided_at = utcnow()
        audit.record(session, actor, "run.void", ENTITY, run_id, before={"status": before},
                     after={"status": RunStatus.VOIDED, "reason": reason, **reversed_})
        session.flush()
        summary = RunSummary.of(run)
        uow.commit()
        return summary


def _reverse(session: Session, run: PayrollRun) -> dict[str, int]:
    computed = _Computed(session, run)
    balances = _balances(session, run.id, computed.fiscal_year)
    updates = []
    for key, delta in computed.delta.items():
        if delta:
            row_id, current = balances[key]
            updates.append({"id": row_id, "amount": current - delta})
    if updates:
        session.execute(sa.update(m.YtdBalance), updates)
    loan, movement = m.Loan, m.LoanMovement
    payments = session.execute(
        sa.select(movement.loan_id, movement.amount, loan.balance, loan.status)
        .join(loan, loan.id == movement.loan_id)
        .where(movement.run_id == run.id, movement.kind == m.MovementKind.PAYMENT)
        .order_by(movement.id)).all()
    day = run.payment_date or run.period_end
    reversals, loan_updates = [], []
    for loan_id, amount, balance, status in payments:
        after = balance + amount
        reversals.append({"loan_id": loan_id, "movement_date": day,
                          "kind": m.MovementKind.REVERSAL, "amount": amount,
                          "balance_after": after, "run_id": run.id,
                          "note": f"void of payroll run {run.id}"})
        loan_updates.append({"id": loan_id, "balance": after,
                             "status": m.LoanStatus.ACTIVE if status == m.LoanStatus.PAID
                             else status})
    if reversals:
        session.execute(sa.insert(movement), reversals)
        session.execute(sa.update(loan), loan_updates)
    novelties = cast(sa.CursorResult[Any], session.execute(
        sa.update(m.Novelty)
        .where(m.Novelty.run_id == run.id, m.Novelty.status == m.NoveltyStatus.EXECUTED)
        .values(status=m.NoveltyStatus.PENDING, run_id=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)))
    return {"ytd_rows": len(updates), "loan_reversals": len(reversals),
            "novelties": novelties.rowcount}
