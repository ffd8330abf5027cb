"""Run lifecycle: create, calculate, recalculate, approve, apply, void — every transition and
refusal, exact money, nothing charged twice, apply then void restores everything."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from runs_support import ACTOR, PERIOD, draft, employee, new_uow, setup, state, write
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from coati_payroll.core.engine import compute_payroll
from coati_payroll.core.errors import ConfigurationError
from coati_payroll.core.results import PayslipStatus
from coati_payroll.db import models as m
from coati_payroll.db.models import RunStatus
from coati_payroll.services.errors import InvalidInput, InvalidState
from coati_payroll.services.runs import (
    approve_run,
    calculate_run,
    create_run,
    recalculate_run,
    suggest_next_period,
)
from coati_payroll.services.runs_apply import apply_run, void_run
from coati_payroll.services.runs_results import payslips_of, result_rows

D = Decimal


def actions(session: Session) -> list[str]:
    return list(session.scalars(sa.select(m.AuditEntry.action).order_by(m.AuditEntry.id)))


def test_create_refuses_bad_periods_and_overlaps(engine: Engine, session: Session) -> None:
    ids = write(engine)
    uow = new_uow(engine)
    with pytest.raises(InvalidInput):
        create_run(uow, ACTOR, ids.definition_id, date(2026, 1, 31), date(2026, 1, 1))
    run_id = draft(engine, ids)
    with pytest.raises(InvalidState, match=f"payroll run {run_id}"):
        create_run(uow, ACTOR, ids.definition_id, date(2026, 1, 15), date(2026, 2, 14))
    assert suggest_next_period(session, ids.definition_id, date(2030, 5, 5)) == (
        date(2026, 2, 1), date(2026, 2, 28))
    void_run(uow, ACTOR, run_id, "wrong period")
    assert suggest_next_period(session, ids.definition_id, date(2030, 5, 5)) == (
        date(2030, 5, 1), date(2030, 5, 31))
    create_run(uow, ACTOR, ids.definition_id, PERIOD.start, PERIOD.end)  # voided: no overlap


def test_calculate_stores_the_core_payslips_exactly(engine: Engine, session: Session) -> None:
    ids = write(engine, employees=5)
    run_id = draft(engine, ids)
    summary = calculate_run(new_uow(engine), ACTOR, run_id, chunk_size=2)
    memory = compute_payroll(setup(), [employee(i) for i in range(5)])
    assert summary.status is RunStatus.GENERATED
    assert (summary.employees, summary.computed, summary.failed) == (5, 5, 0)
    assert summary.gross == memory.totals.gross and isinstance(summary.gross, Decimal)
    assert summary.net == memory.totals.net
    assert summary.employer_cost == memory.totals.employer_cost
    stored = payslips_of(session, run_id)
    for slip in memory.payslips:
        db_slip = stored[ids.employees[slip.employee_id]]
        assert [(x.code, x.amount) for x in db_slip.lines] == [
            (x.code, x.amount) for x in slip.lines]
        assert db_slip.net == slip.net
        assert dict(db_slip.ytd_after) == dict(slip.ytd_after)
    run = session.get(m.PayrollRun, run_id)
    assert run is not None and run.calculation_token is None and run.snapshot is not None
    assert run.snapshot["concept_versions"] == {"OVERTIME": 1, "SS": 1, "LOAN": 1, "ER_SS": 1}
    assert actions(session)[-3:] == ["run.create", "run.calculate.start", "run.calculate"]
    with pytest.raises(InvalidState, match="generated"):
        calculate_run(new_uow(engine), ACTOR, run_id)


def test_recalculation_charges_nothing_twice(engine: Engine, session: Session) -> None:
    ids = write(engine)
    run_id = draft(engine, ids)
    before = state(session)
    calculate_run(new_uow(engine), ACTOR, run_id)
    first = result_rows(session, run_id)
    recalculate_run(new_uow(engine), ACTOR, run_id)
    recalculate_run(new_uow(engine), ACTOR, run_id)
    assert state(session) == before  # loans, year-to-date and novelties untouched
    assert session.scalar(sa.select(sa.func.count()).select_from(m.LoanMovement)) == 0
    again = result_rows(session, run_id)
    assert again.rows == first.rows
    assert session.scalar(sa.select(sa.func.count()).select_from(m.RunEmployee)) == 4


def test_recalculation_reuses_the_setup_unless_refreshed(engine: Engine,
                                                         session: Session) -> None:
    ids = write(engine)
    run_id = draft(engine, ids)
    calculate_run(new_uow(engine), ACTOR, run_id)
    ss = session.execute(sa.select(m.Concept).where(m.Concept.code == "SS")).scalar_one()
    session.add(m.ConceptVersion(concept_id=ss.id, version=2, status=m.ConceptStatus.APPROVED,
                                 effective_from=date(2026, 1, 1), formula="gross * 10%",
                                 priority=1))
    first_hire = ids.employees["E001"]
    session.add(m.Novelty(employee_id=first_hire, input_code="OT_HOURS", value=D("2.5"),
                          effective_date=date(2026, 1, 20)))
    session.commit()
    recalculate_run(new_uow(engine), ACTOR, run_id)
    rows = {r.code: r for r in result_rows(session, run_id).rows}
    gross = rows["E001"].totals["gross"]
    assert rows["E001"].concepts["SS"] == (gross * D("0.07")).quantize(D("0.01"))
    # 3.5 h (1 + the new 2.5) × 1100 / 30 / 8 × 1.5 = 24.0625: the new novelty is read
    assert rows["E001"].concepts["OVERTIME"] == D("24.06")
    recalculate_run(new_uow(engine), ACTOR, run_id, refresh_setup=True)
    rows = {r.code: r for r in result_rows(session, run_id).rows}
    assert rows["E001"].concepts["SS"] == (gross * D("0.10")).quantize(D("0.01"))


def test_approve_refuses_failed_employees_but_not_excluded(engine: Engine,
                                                           session: Session) -> None:
    ids = write(engine, employees=2)
    company_id = ids.company_id
    no_salary = m.Employee(company_id=company_id, code="NOSAL", first_name="No",
                           last_name="Salary", hire_date=date(2020, 1, 1))
    future = m.Employee(company_id=company_id, code="LATER", first_name="Hired",
                        last_name="Later", hire_date=date(2026, 3, 1))
    session.add_all([no_salary, future])
    session.flush()
    for person in (no_salary, future):
        session.add(m.DefinitionEmployee(definition_id=ids.definition_id,
                                         employee_id=person.id))
    session.commit()
    run_id = draft(engine, ids)
    summary = calculate_run(new_uow(engine), ACTOR, run_id)
    assert (summary.computed, summary.excluded, summary.failed) == (2, 1, 1)
    stored = payslips_of(session, run_id)
    assert stored[no_salary.id].failure is not None
    assert stored[no_salary.id].failure.code == "missing_salary"
    assert stored[future.id].status is PayslipStatus.EXCLUDED
    assert stored[future.id].notices[0].code == "excluded_not_hired"
    with pytest.raises(InvalidState, match="1 employee.*NOSAL") as refused:
        approve_run(new_uow(engine), ACTOR, run_id)
    assert refused.value.params["failed"] == ["NOSAL"]
    session.execute(sa.delete(m.DefinitionEmployee).where(
        m.DefinitionEmployee.employee_id == no_salary.id))
    session.commit()
    recalculate_run(new_uow(engine), ACTOR, run_id)
    assert approve_run(new_uow(engine), ACTOR, run_id).status is RunStatus.APPROVED


def test_apply_then_void_restores_loans_ytd_and_novelties(engine: Engine,
                                                          session: Session) -> None:
    ids = write(engine)
    run_id = draft(engine, ids)
    before = state(session)
    with pytest.raises(InvalidState, match="draft"):
        apply_run(new_uow(engine), ACTOR, run_id)
    calculate_run(new_uow(engine), ACTOR, run_id)
    with pytest.raises(InvalidState, match="generated"):
        apply_run(new_uow(engine), ACTOR, run_id)
    approve_run(new_uow(engine), ACTOR, run_id)
    applied = apply_run(new_uow(engine), ACTOR, run_id)
    assert applied.status is RunStatus.APPLIED
    after = state(session)
    loans = {loan_id: (balance, status) for loan_id, balance, status in after["loans"]}
    assert loans[ids.loans["L0"]] == (D("750.000000"), m.LoanStatus.ACTIVE)
    movements = session.execute(sa.select(m.LoanMovement.loan_id, m.LoanMovement.kind,
                                          m.LoanMovement.amount)).all()
    assert sorted(movements) == sorted(
        (ids.loans[code], m.MovementKind.PAYMENT, D("250.000000")) for code in ("L0", "L2"))
    memory = {s.employee_id: s for s in compute_payroll(
        setup(), [employee(i) for i in range(4)]).payslips}
    ytd = {(e, code): amount for e, code, _, amount in after["ytd"]}
    for code, db_id in ids.employees.items():
        assert ytd[db_id, "GROSS_YTD"] == memory[code].ytd_after["GROSS_YTD"]
    assert {status for _, status, _ in after["novelties"]} == {m.NoveltyStatus.EXECUTED}
    assert {run for _, _, run in after["novelties"]} == {run_id}
    for refused in (lambda: recalculate_run(new_uow(engine), ACTOR, run_id),
                    lambda: approve_run(new_uow(engine), ACTOR, run_id),
                    lambda: apply_run(new_uow(engine), ACTOR, run_id),
                    lambda: calculate_run(new_uow(engine), ACTOR, run_id)):
        with pytest.raises(InvalidState, match="applied"):
            refused()

    voided = void_run(new_uow(engine), ACTOR, run_id, "paid twice by mistake")
    assert voided.status is RunStatus.VOIDED and voided.void_reason == "paid twice by mistake"
    restored = state(session)
    assert restored["loans"] == before["loans"]
    assert restored["novelties"] == before["novelties"]
    # rows created by apply stay, at zero; every balance is back to its value before apply
    prior = {(e, c): a for e, c, _, a in before["ytd"]}
    assert {(e, c): a for e, c, _, a in restored["ytd"]} == {
        key: prior.get(key, D("0.000000")) for key in ytd}
    kinds = sorted(k for (k,) in session.execute(sa.select(m.LoanMovement.kind)))
    assert kinds == ["payment", "payment", "reversal", "reversal"]
    with pytest.raises(InvalidState, match="already voided"):
        void_run(new_uow(engine), ACTOR, run_id, "again")
    with pytest.raises(InvalidState, match="voided"):
        recalculate_run(new_uow(engine), ACTOR, run_id)
    assert actions(session)[-3:] == ["run.approve", "run.apply", "run.void"]


def test_a_second_run_after_void_pays_the_same(engine: Engine, session: Session) -> None:
    ids = write(engine)
    uow = new_uow(engine)
    first = draft(engine, ids)
    calculate_run(uow, ACTOR, first)
    approve_run(uow, ACTOR, first)
    apply_run(uow, ACTOR, first)
    void_run(uow, ACTOR, first, "redo")
    second = draft(engine, ids)
    calculate_run(uow, ACTOR, second)
    assert result_rows(session, second).rows == result_rows(session, first).rows


def test_apply_refuses_when_the_data_changed_after_calculation(engine: Engine,
                                                               session: Session) -> None:
    ids = write(engine)
    run_id = draft(engine, ids)
    calculate_run(new_uow(engine), ACTOR, run_id)
    approve_run(new_uow(engine), ACTOR, run_id)
    session.add(m.Novelty(employee_id=ids.employees["E001"], input_code="OT_HOURS",
                          value=D(1), effective_date=date(2026, 1, 10)))
    loan = session.get(m.Loan, ids.loans["L0"])
    assert loan is not None
    loan.balance = D(900)
    session.commit()
    before = state(session)
    with pytest.raises(InvalidState, match="recalculate") as refused:
        apply_run(new_uow(engine), ACTOR, run_id)
    assert "loan" in refused.value.message and "novelt" in refused.value.message
    assert state(session) == before


def test_void_needs_a_reason_and_draft_runs_can_be_voided(engine: Engine) -> None:
    ids = write(engine, employees=1)
    run_id = draft(engine, ids)
    with pytest.raises(InvalidInput):
        void_run(new_uow(engine), ACTOR, run_id, "  ")
    assert void_run(new_uow(engine), ACTOR, run_id, "duplicate").status is RunStatus.VOIDED
    with pytest.raises(InvalidState):
        calculate_run(new_uow(engine), ACTOR, run_id)


def test_a_setup_that_does_not_compile_leaves_the_run_in_error(engine: Engine,
                                                               session: Session) -> None:
    ids = write(engine, employees=2)
    ss = session.execute(sa.select(m.ConceptVersion).join(m.Concept)
                         .where(m.Concept.code == "SS")).scalar_one()
    ss.formula = "gross * UNKNOWN_NAME"
    session.commit()
    run_id = draft(engine, ids)
    with pytest.raises(ConfigurationError):
        calculate_run(new_uow(engine), ACTOR, run_id)
    session.expire_all()
    run = session.get(m.PayrollRun, run_id)
    assert run is not None
    assert run.status is RunStatus.ERROR and run.calculation_token is None
    assert run.error_message and "UNKNOWN_NAME" in run.error_message
    assert "run.calculate.fail" in actions(session)
    ss.formula = "gross * 7%"
    session.commit()
    assert calculate_run(new_uow(engine), ACTOR, run_id).status is RunStatus.GENERATED


def test_accumulator_of_a_concept_not_in_the_payroll_is_left_out(engine: Engine,
                                                                  session: Session) -> None:
    ids = write(engine)
    overtime = session.scalars(sa.select(m.Concept).where(m.Concept.code == "OVERTIME")).one()
    session.execute(sa.delete(m.DefinitionConcept).where(
        m.DefinitionConcept.definition_id == ids.definition_id,
        m.DefinitionConcept.concept_id == overtime.id))
    session.add(m.AccumulatorDefinition(code="OT_YTD", name="Overtime YTD", amount="OVERTIME"))
    session.commit()
    run_id = draft(engine, ids)
    summary = calculate_run(new_uow(engine), ACTOR, run_id)
    assert summary.status is RunStatus.GENERATED and summary.failed == 0
    run = session.get(m.PayrollRun, run_id)
    session.refresh(run)
    assert run is not None and run.snapshot is not None
    assert "OVERTIME" in run.snapshot["omitted_concepts"]["ytd.OT_YTD"]
    codes = [acc["code"] for acc in run.snapshot["setup"]["accumulators"]]
    assert codes == ["GROSS_YTD"]
