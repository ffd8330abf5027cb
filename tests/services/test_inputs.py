"""Inputs (novelty types): validation, updates, activation refused while something needs the
input, audit entries."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import AuditEntry, ConceptStatus, InputDefinition, NoveltyStatus
from coati_payroll.db.testing import Factory
from coati_payroll.services import inputs as svc
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState

ACTOR = Actor("tester", None)


def count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def refused(session: Session, call: Callable[..., Any], *args: Any) -> dict[str, str]:
    before = [count(session, m) for m in (InputDefinition, AuditEntry)]
    with pytest.raises(InvalidInput) as caught:
        call(session, ACTOR, *args)
    assert not session.new and not session.dirty
    assert [count(session, m) for m in (InputDefinition, AuditEntry)] == before
    assert caught.value.message == "the input cannot be saved"
    return caught.value.problems


def audit_rows(session: Session) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    return [(e.action, e.entity_type, e.before, e.after) for e in session.scalars(
        sa.select(AuditEntry).order_by(AuditEntry.id))]


def test_create_update_and_toggle_with_audit(session: Session) -> None:
    overtime = svc.create_input(session, ACTOR, svc.InputData(
        "OVERTIME_HOURS", "  Overtime hours ", D("0")))
    assert (overtime.code, overtime.name, overtime.default, overtime.active) == (
        "OVERTIME_HOURS", "Overtime hours", D(0), True)
    svc.update_input(session, ACTOR, overtime, svc.InputData(
        "OVERTIME_HOURS", "Extra hours", D("-1.12345678901234")))
    assert overtime.default == D("-1.12345678901234")  # exact, negative allowed
    svc.set_input_active(session, ACTOR, overtime, False)
    svc.set_input_active(session, ACTOR, overtime, True)
    session.commit()
    session.expire_all()
    saved = session.scalars(sa.select(InputDefinition)).one()
    assert (saved.name, saved.default, saved.active) == (
        "Extra hours", D("-1.12345678901234"), True)
    rows = audit_rows(session)
    assert [r[0] for r in rows] == ["input.create", "input.update", "input.deactivate",
                                    "input.activate"]
    assert {r[1] for r in rows} == {"input_definition"}
    assert rows[0][2] == {} and rows[0][3]["code"] == "OVERTIME_HOURS"
    assert rows[1][2]["name"] == "Overtime hours" and rows[1][3]["name"] == "Extra hours"
    assert rows[2][2]["active"] is True and rows[2][3]["active"] is False
    assert svc.list_inputs(session) == [saved]
    assert svc.list_inputs(session, active_only=True) == [saved]
    assert svc.get_input(session, saved.id) is saved


def test_an_int_default_is_exact(session: Session) -> None:
    bonus = svc.create_input(session, ACTOR, svc.InputData("BONUS", "Bonus", 5))
    assert bonus.default == D(5)


@pytest.mark.parametrize(("code", "problem"), [
    ("", svc.CODE_PROBLEM), ("1ST", svc.CODE_PROBLEM), ("_X", svc.CODE_PROBLEM),
    ("A-B", svc.CODE_PROBLEM), ("ÑANDU", svc.CODE_PROBLEM), ("X__", svc.CODE_PROBLEM),
    ("A" * 41, svc.CODE_PROBLEM), ("TAKEN", "an input TAKEN already exists"),
])
def test_bad_codes(session: Session, factory: Factory, code: str, problem: str) -> None:
    factory.input_definition(code="TAKEN")
    session.commit()
    assert refused(session, svc.create_input, svc.InputData(code, "Name")) == {"code": problem}


def test_every_problem_at_once(session: Session) -> None:
    assert refused(session, svc.create_input, svc.InputData("9", " ", 1.5)) == {  # type: ignore[arg-type]
        "code": svc.CODE_PROBLEM, "name": "1-200 characters",
        "default": "1.5 is not an exact decimal"}
    assert refused(session, svc.create_input, svc.InputData("A", "x" * 201, True)) == {
        "name": "1-200 characters", "default": "True is not an exact decimal"}
    assert refused(session, svc.create_input, svc.InputData(
        "A", "A", "3")) == {"default": "'3' is not an exact decimal"}  # type: ignore[arg-type]
    places = refused(session, svc.create_input, svc.InputData("A", "A", D("0.123456789012345")))
    assert places["default"].startswith("0.123456789012345 has more than 14 decimal places")
    large = refused(session, svc.create_input, svc.InputData("A", "A", D("1E+18")))
    assert "is too large" in large["default"]
    nan = refused(session, svc.create_input, svc.InputData("A", "A", D("NaN")))
    assert nan["default"] == "not a finite number: Decimal('NaN')"


def test_update_refusals_change_nothing(session: Session, factory: Factory) -> None:
    existing = factory.input_definition(code="ABSENCE", name="Absence", default=D(0))
    session.commit()
    assert refused(session, svc.update_input, existing, svc.InputData(
        "OTHER", "", D("1e-20"))) == {
        "code": "the code of an input cannot change", "name": "1-200 characters",
        "default": "1E-20 has more than 14 decimal places (Rate stores exactly 14)"}
    session.expire_all()
    assert (existing.code, existing.name, existing.default) == ("ABSENCE", "Absence", D(0))


def test_toggle_to_the_same_state_is_refused(session: Session, factory: Factory) -> None:
    existing = factory.input_definition(code="ABSENCE")
    session.commit()
    with pytest.raises(InvalidState, match="input ABSENCE is already active"):
        svc.set_input_active(session, ACTOR, existing, True)
    assert count(session, AuditEntry) == 0


def test_deactivation_refused_while_used(session: Session, factory: Factory) -> None:
    used = factory.input_definition(code="HOURS")
    factory.payroll_type(code="HOURLY", hours_worked_input="HOURS")
    factory.payroll_type(code="OLD", hours_worked_input="HOURS", active=False)  # ignored
    factory.concept(code="OVERTIME", formula="input.HOURS * hourly_rate")
    factory.concept(code="RETIRED_ONLY", formula="input.HOURS", status=ConceptStatus.RETIRED)
    factory.concept(code="TEXT", formula='if(custom.X == "input.HOURS", 1, 0)')
    factory.concept(code="GONE", formula="input.HOURS", active=False)
    factory.concept(code="COND", formula="1", condition="input.HOURS > 0")
    factory.accumulator(code="YTD_HOURS", amount="input.HOURS")
    factory.novelty(input_code="HOURS")
    factory.novelty(input_code="HOURS", status=NoveltyStatus.EXECUTED)
    session.commit()
    with pytest.raises(InvalidState) as caught:
        svc.set_input_active(session, ACTOR, used, False)
    assert caught.value.params["users"] == [
        {"kind": "payroll_type", "code": "HOURLY"}, {"kind": "concept", "code": "COND"},
        {"kind": "concept", "code": "OVERTIME"}, {"kind": "accumulator", "code": "YTD_HOURS"},
        {"kind": "novelties", "code": "1"}]
    assert str(caught.value).startswith("input HOURS is used by payroll_type HOURLY")
    session.expire_all()
    assert used.active is True and count(session, AuditEntry) == 0


def test_unused_input_deactivates(session: Session, factory: Factory) -> None:
    free = factory.input_definition(code="FREE")
    factory.concept(code="OTHER", formula="input.FREE_TOO + 1")
    factory.input_definition(code="FREE_TOO")
    session.commit()
    assert svc.input_users(session, "FREE") == []
    svc.set_input_active(session, ACTOR, free, False)
    session.commit()
    assert [r[0] for r in audit_rows(session)] == ["input.deactivate"]


def test_reads_finds_whole_names_only() -> None:
    assert svc.reads("input.A + 1", "input.A")
    assert not svc.reads("input.AB + 1", "input.A")
    assert not svc.reads('"input.A"', "input.A")
    assert svc.reads("input.A +* ", "input.A")  # still a name when the formula is broken
    assert svc.reads("input.A ' broken", "input.A")  # does not tokenize: plain text search
    assert not svc.reads(None, "input.A")
