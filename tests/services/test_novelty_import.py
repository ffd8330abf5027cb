"""Novelty import: row-level errors, all-or-nothing, duplicate protection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from coati_payroll.db import models as m
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput
from coati_payroll.services.novelty_import import import_novelties
from coati_payroll.services.tabular import read_sheet_bytes

ACTOR = Actor.system("test")


def csv(*lines: str) -> object:
    return read_sheet_bytes("\n".join(lines).encode(), "csv", "n.csv")


@pytest.fixture
def setup(factory):
    company = factory.company(code="ACME")
    e1 = factory.employee(company=company, code="E1")
    e2 = factory.employee(company=company, code="E2",
                          termination_date=date(2026, 1, 10))
    factory.input_definition(code="OVERTIME_HOURS")
    factory.input_definition(code="OLD", active=False)
    definition = factory.definition(company=company, code="MONTHLY")
    factory.definition_employee(definition=definition, employee=e1)
    return company, e1, e2, definition


def novelties(session) -> list[tuple[str, Decimal]]:
    return [(n.input_code, n.value) for n in session.scalars(
        sa.select(m.Novelty).order_by(m.Novelty.id))]


def test_rows_become_pending_novelties(session, setup):
    _, e1, _, definition = setup
    summary = import_novelties(session, ACTOR, csv(
        "employee,input,value,date,payroll,note",
        "E1,OVERTIME_HOURS,12.5,2026-01-20,MONTHLY,weekend",
        "E1,OVERTIME_HOURS,0.25,2026-01-21,,"))
    assert summary.created == 2
    stored = session.scalars(sa.select(m.Novelty).order_by(m.Novelty.id)).all()
    assert [(n.employee_id, n.value, n.definition_id, n.note) for n in stored] == [
        (e1.id, Decimal("12.5"), definition.id, "weekend"), (e1.id, Decimal("0.25"), None, None)]
    assert all(n.status == m.NoveltyStatus.PENDING for n in stored)


def test_every_bad_row_is_reported_and_nothing_is_written(session, setup):
    with pytest.raises(InvalidInput) as caught:
        import_novelties(session, ACTOR, csv(
            "employee,input,value,date,payroll",
            "E1,OVERTIME_HOURS,8,2026-01-20,",
            "E9,OVERTIME_HOURS,8,2026-01-20,",
            "E1,NOPE,8,2026-01-20,",
            "E1,OLD,1e3,2026-01-40,",
            "E2,OVERTIME_HOURS,8,2026-01-20,MONTHLY",
            "E2,OVERTIME_HOURS,8,2026-01-20,",
            "E1,OVERTIME_HOURS,,,NOPE"))
    problems = caught.value.problems
    assert problems["row 3: employee"] == "no employee 'E9' in company 'ACME'"
    assert problems["row 4: input"] == "'NOPE' is not an active input (inputs: OVERTIME_HOURS)"
    assert problems["row 5: input"] == "'OLD' is not an active input (inputs: OVERTIME_HOURS)"
    assert problems["row 5: value"].startswith("'1e3' is not an amount")
    assert problems["row 5: date"] == "'2026-01-40' is not a date (YYYY-MM-DD)"
    assert problems["row 6: payroll"] == "employee 'E2' is not in payroll 'MONTHLY'"
    assert problems["row 7: date"] == "after the employee's termination date 2026-01-10"
    assert problems["row 8: value"] == "required" and problems["row 8: date"] == "required"
    assert problems["row 8: payroll"] == "company 'ACME' has no payroll 'NOPE'"
    assert "row 2: value" not in problems
    session.rollback()
    assert novelties(session) == []


def test_a_second_import_of_the_same_rows_is_refused_unless_allowed(session, setup):
    rows = ("employee,input,value,date", "E1,OVERTIME_HOURS,8,2026-01-20")
    import_novelties(session, ACTOR, csv(*rows))
    with pytest.raises(InvalidInput) as caught:
        import_novelties(session, ACTOR, csv(*rows))
    assert caught.value.problems["row 2: value"].startswith(
        "an identical pending novelty already exists")
    assert import_novelties(session, ACTOR, csv(*rows), allow_duplicates=True).created == 1
    assert len(novelties(session)) == 2


def test_missing_columns_are_a_file_error(session, setup):
    with pytest.raises(InvalidInput) as caught:
        import_novelties(session, ACTOR, csv("employee,value", "E1,8"))
    assert caught.value.problems == {"column 'input'": "required column is missing",
                                     "column 'date'": "required column is missing"}
