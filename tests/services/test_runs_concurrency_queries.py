"""Two calculations of one run at the same moment (one runs, the other gets Conflict), the
query-count guard of the run path, comparisons, exports and the setup snapshot round trip."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from runs_support import ACTOR, draft, new_uow, write
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from coati_payroll.db import models as m
from coati_payroll.db.models import RunStatus
from coati_payroll.scenario import load_scenario
from coati_payroll.services import runs as runs_service
from coati_payroll.services.errors import Conflict
from coati_payroll.services.runs import calculate_run, recalculate_run
from coati_payroll.services.runs_apply import void_run
from coati_payroll.services.runs_compare import compare_runs
from coati_payroll.services.runs_results import result_rows
from coati_payroll.services.snapshot import setup_from_json, setup_to_json

GOLDEN = sorted((Path(__file__).parents[1] / "golden").glob("*.yaml"))


def test_a_run_held_by_another_calculation_is_a_conflict(engine: Engine,
                                                         session: Session) -> None:
    ids = write(engine, employees=1)
    run_id = draft(engine, ids)
    session.execute(sa.update(m.PayrollRun).values(calculation_token="someone-else",
                                                   status=RunStatus.CALCULATING))
    session.commit()
    with pytest.raises(Conflict, match=f"payroll run {run_id} is being calculated"):
        calculate_run(new_uow(engine), ACTOR, run_id)
    # the operator's way out of a calculation whose process died: void it
    assert void_run(new_uow(engine), ACTOR, run_id, "stuck").status is RunStatus.VOIDED


def test_two_calculations_at_the_same_moment(engine: Engine, session: Session,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    ids = write(engine, employees=3)
    run_id = draft(engine, ids)
    inside, release = threading.Event(), threading.Event()
    real = runs_service.load_employees

    def slow_load(*args: Any, **kwargs: Any) -> Any:
        inside.set()  # the first calculation holds the claim and is now loading
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(runs_service, "load_employees", slow_load)
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            outcome["first"] = calculate_run(new_uow(engine), ACTOR, run_id)
        except Exception as error:  # reported to the main thread
            outcome["first"] = error

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(30)
    try:
        with pytest.raises(Conflict, match="another process"):
            calculate_run(new_uow(engine), ACTOR, run_id)
        with pytest.raises(Conflict):
            recalculate_run(new_uow(engine), ACTOR, run_id)
    finally:
        release.set()
        thread.join(60)
    summary = outcome["first"]
    assert isinstance(summary, runs_service.RunSummary), summary
    assert summary.status is RunStatus.GENERATED and summary.employees == 3


def _definition(engine: Engine, employees: int, code: str) -> int:
    """A definition with the test payroll's concepts and its first ``employees`` employees
    (the payroll of 60 is written once per test)."""
    uow = new_uow(engine)
    with uow:
        session = uow.session
        base = session.execute(sa.select(m.PayrollDefinition)
                               .order_by(m.PayrollDefinition.id)).scalars().first()
        if base is None:
            write(engine, employees=60)
            return _definition(engine, employees, code)
        definition = m.PayrollDefinition(company_id=base.company_id, code=code, name=code,
                                         payroll_type_id=base.payroll_type_id,
                                         currency_code=base.currency_code)
        session.add(definition)
        session.flush()
        for link in session.execute(sa.select(m.DefinitionConcept).where(
                m.DefinitionConcept.definition_id == base.id)
                .order_by(m.DefinitionConcept.id)).scalars():
            session.add(m.DefinitionConcept(definition_id=definition.id,
                                            concept_id=link.concept_id))
        for employee_id in session.execute(sa.select(m.Employee.id).order_by(m.Employee.id)
                                           .limit(employees)).scalars():
            session.add(m.DefinitionEmployee(definition_id=definition.id,
                                             employee_id=employee_id))
        uow.commit()
        return definition.id


def _statements(engine: Engine, count_queries: Any, employees: int, chunk_size: int,
                code: str) -> dict[str, int]:
    from runs_support import PERIOD

    from coati_payroll.services.runs import create_run

    definition_id = _definition(engine, employees, code)
    run_id = create_run(new_uow(engine), ACTOR, definition_id, PERIOD.start, PERIOD.end).id
    with count_queries() as queries:
        summary = calculate_run(new_uow(engine), ACTOR, run_id, chunk_size=chunk_size)
    assert summary.employees == employees
    kinds: dict[str, int] = {}
    for statement in queries.statements:
        word = statement.lstrip().split(None, 1)[0].upper()
        word = "WRITE" if word in ("INSERT", "COPY") else word
        kinds[word] = kinds.get(word, 0) + 1
    return kinds


def test_the_run_path_issues_no_query_per_employee(engine: Engine, count_queries: Any) -> None:
    few = _statements(engine, count_queries, 10, 1000, "FEW")
    many = _statements(engine, count_queries, 60, 1000, "MANY")
    assert few == many, (few, many)
    assert few["SELECT"] <= 17 and few["WRITE"] <= 4, few


def test_writes_grow_only_by_chunks(engine: Engine, count_queries: Any) -> None:
    one_chunk = _statements(engine, count_queries, 10, 10, "ONE")
    six_chunks = _statements(engine, count_queries, 60, 10, "SIX")
    extra = {k: six_chunks.get(k, 0) - one_chunk.get(k, 0) for k in six_chunks}
    # per extra chunk: two bulk writes (employees, lines), plus one SELECT of the new ids
    # where the backend cannot return them
    assert extra.pop("WRITE") == 5 * 2, (one_chunk, six_chunks)
    assert extra.pop("SELECT", 0) in (0, 5), (one_chunk, six_chunks)
    assert not any(extra.values()), (one_chunk, six_chunks)


def test_compare_runs_gives_deltas_new_and_missing(engine: Engine, session: Session) -> None:
    ids = write(engine, employees=3)
    first = draft(engine, ids)
    calculate_run(new_uow(engine), ACTOR, first)
    void_run(new_uow(engine), ACTOR, first, "compare")
    session.add(m.Novelty(employee_id=ids.employees["E001"], input_code="OT_HOURS",
                          value=Decimal(4), effective_date=ids_day()))
    session.execute(sa.delete(m.DefinitionEmployee).where(
        m.DefinitionEmployee.employee_id == ids.employees["E002"]))
    extra = m.Employee(company_id=ids.company_id, code="E900", first_name="New",
                       last_name="Person", hire_date=ids_day(2020))
    session.add(extra)
    session.flush()
    session.add_all([m.DefinitionEmployee(definition_id=ids.definition_id, employee_id=extra.id),
                     m.SalaryChange(employee_id=extra.id, effective_date=ids_day(2020),
                                    salary=Decimal(2000), currency_code="USD")])
    session.commit()
    second = draft(engine, ids)
    calculate_run(new_uow(engine), ACTOR, second)
    result = compare_runs(new_uow(engine), first, second)
    assert [e.code for e in result.new_employees] == ["E900"]
    assert [e.code for e in result.missing_employees] == ["E002"]
    assert result.unchanged == 1
    (changed,) = result.employees
    amounts = {d.name: d for d in changed.amounts}
    assert changed.code == "E001"
    assert amounts["OVERTIME"].delta == Decimal("27.50")  # 4 h × 1100 / 240 × 1.5
    totals = {d.name: d for d in result.totals}
    assert totals["net"].b - totals["net"].a == totals["net"].delta


def ids_day(year: int = 2026) -> Any:
    from datetime import date

    return date(year, 1, 10)


def test_export_rows_have_one_column_per_concept(engine: Engine, session: Session) -> None:
    ids = write(engine, employees=2)
    run_id = draft(engine, ids)
    calculate_run(new_uow(engine), ACTOR, run_id)
    header, body = result_rows(session, run_id).table()
    assert header[:8] == ["employee", "name", "status", "gross", "total_deductions", "net",
                          "employer_contributions", "employer_cost"]
    assert header[8:] == ["BASE", "OVERTIME", "SS", "LOAN", "ER_SS", "failure"]
    assert body[0][:3] == ["E000", "Employee 0", "ok"]
    assert body[0][header.index("LOAN")] == Decimal("250.00")
    assert body[1][header.index("LOAN")] == Decimal(0)
    assert str(body[1][header.index("LOAN")]) == "0.00"


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_setup_snapshot_round_trip(path: Path) -> None:
    setup = load_scenario(path).setup
    assert setup_from_json(setup_to_json(setup)) == setup
