"""Every golden scenario through the database path: write the scenario (setup, employees, inputs
as novelties, loans, year-to-date balances), create a run, calculate it, and check every stored
payslip against the in-memory ``compute_payroll`` of the same scenario and against the file's
``expected`` blocks — on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType

import pytest
from sqlalchemy.engine import Engine

from coati_payroll.core.engine import compute_payroll
from coati_payroll.core.results import Line, Notice, Payslip
from coati_payroll.db.engine import make_session_factory
from coati_payroll.db.models import RunStatus
from coati_payroll.scenario import load_scenario
from coati_payroll.scenario.expected import compare
from coati_payroll.services import scenario_db
from coati_payroll.services.actor import Actor
from coati_payroll.services.runs import calculate_run, create_run
from coati_payroll.services.runs_results import payslips_of
from coati_payroll.services.uow import UnitOfWork

GOLDEN_FILES = sorted(Path(__file__).parent.glob("*.yaml"))
ACTOR = Actor.system("golden")


def _same(a: object, b: object) -> bool:
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except InvalidOperation:
        return str(a) == str(b)


def _params(params: Mapping[str, object]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in params.items()}


def _translate(slip: Payslip, employee: str, loans: Mapping[str, str]) -> Payslip:
    """``slip`` (database ids) with the scenario's employee and loan ids."""
    def loan(value: object) -> object:
        return loans.get(str(value), value)

    def typed(value: object) -> object:  # stored params are JSON text; amounts compare as numbers
        try:
            return Decimal(value) if isinstance(value, str) else value
        except InvalidOperation:
            return value

    return Payslip(
        employee, slip.status,
        tuple(Line(line.code, line.name, line.kind, line.amount, line.trace,
                   None if line.loan_id is None else str(loan(line.loan_id)))
              for line in slip.lines),
        slip.gross, slip.total_deductions, slip.net, slip.employer_contributions,
        slip.employer_cost,
        tuple(Notice(n.code, MappingProxyType(
            {k: loan(v) if k == "loan_id" else typed(v) for k, v in n.params.items()}))
            for n in slip.notices),
        slip.ytd_after, MappingProxyType({str(loan(k)): v for k, v in slip.loan_balances.items()}),
        slip.failure)


def _differences(memory: Payslip, stored: Payslip) -> list[str]:
    out = []
    if memory.status is not stored.status:
        out.append(f"status {memory.status} != {stored.status}")
    for name in ("gross", "total_deductions", "net", "employer_contributions", "employer_cost"):
        if getattr(memory, name) != getattr(stored, name):
            out.append(f"{name} {getattr(memory, name)} != {getattr(stored, name)}")
    mine = [(x.code, x.kind, x.amount, x.loan_id) for x in memory.lines]
    theirs = [(x.code, x.kind, x.amount, x.loan_id) for x in stored.lines]
    if mine != theirs:
        out.append(f"lines {mine} != {theirs}")
    if dict(memory.ytd_after) != dict(stored.ytd_after):
        out.append(f"ytd_after {dict(memory.ytd_after)} != {dict(stored.ytd_after)}")
    if dict(memory.loan_balances) != dict(stored.loan_balances):
        out.append(f"loan_balances {dict(memory.loan_balances)} != {dict(stored.loan_balances)}")
    notices_a = [(n.code, _params(n.params)) for n in memory.notices]
    notices_b = [(n.code, _params(n.params)) for n in stored.notices]
    if len(notices_a) != len(notices_b) or any(
            ca != cb or pa.keys() != pb.keys() or not all(_same(pa[k], pb[k]) for k in pa)
            for (ca, pa), (cb, pb) in zip(notices_a, notices_b, strict=True)):
        out.append(f"notices {notices_a} != {notices_b}")
    fa, fb = memory.failure, stored.failure
    if (fa is None) != (fb is None) or (fa and fb and (fa.code, fa.concept, fa.message)
                                         != (fb.code, fb.concept, fb.message)):
        out.append(f"failure {fa} != {fb}")
    return out


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=[p.stem for p in GOLDEN_FILES])
def test_golden_scenario_through_the_database(path: Path, engine: Engine) -> None:
    scenario = load_scenario(path)
    uow = UnitOfWork(make_session_factory(engine))
    ids = scenario_db.load_scenario(uow, ACTOR, scenario)
    period = scenario.setup.period
    run = create_run(uow, ACTOR, ids.definition_id, period.start, period.end,
                     period.payment_date)
    summary = calculate_run(uow, ACTOR, run.id, chunk_size=4)
    assert summary.status is RunStatus.GENERATED

    memory = compute_payroll(scenario.compiled, scenario.employees)
    with uow:
        stored = payslips_of(uow.session, run.id)
    loans = {str(db_id): loan_id for loan_id, db_id in ids.loans.items()}
    assert len(stored) == len(scenario.employees)
    zero = Decimal(0).quantize(scenario.setup.currency.rounding.minor_unit)
    problems: list[str] = []
    for slip in memory.payslips:
        db_slip = _translate(stored[ids.employees[slip.employee_id]], slip.employee_id, loans)
        problems += [f"{slip.employee_id}: {d}" for d in _differences(slip, db_slip)]
        expectation = scenario.expectations.get(slip.employee_id)
        if expectation is not None:
            problems += [str(mismatch) for mismatch in compare(expectation, db_slip, zero)]
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
    totals = memory.totals
    assert (summary.employees, summary.computed, summary.excluded, summary.failed) == (
        totals.employees, totals.computed, totals.excluded, totals.failed)
    assert (summary.gross, summary.net, summary.employer_cost) == (
        totals.gross, totals.net, totals.employer_cost)
