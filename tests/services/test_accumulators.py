"""Accumulators: the amount formula checked at save time against the installation's names
(positioned errors), updates, activation, audit entries; payroll definition activation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import AccumulatorDefinition, AuditEntry, ConceptStatus
from coati_payroll.db.testing import Factory
from coati_payroll.services import accumulators as svc
from coati_payroll.services.actor import Actor
from coati_payroll.services.definition_status import set_definition_active
from coati_payroll.services.errors import InvalidInput, InvalidState
from coati_payroll.services.inputs import CODE_PROBLEM

ACTOR = Actor("tester", None)


def count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def refused(session: Session, call: Callable[..., Any], *args: Any,
            message: str = "the accumulator cannot be saved") -> InvalidInput:
    before = [count(session, m) for m in (AccumulatorDefinition, AuditEntry)]
    with pytest.raises(InvalidInput) as caught:
        call(session, ACTOR, *args)
    assert not session.new and not session.dirty
    assert [count(session, m) for m in (AccumulatorDefinition, AuditEntry)] == before
    assert caught.value.message == message
    return caught.value


def actions(session: Session) -> list[str]:
    return list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_create_update_toggle_with_audit(session: Session, factory: Factory) -> None:
    factory.concept(code="SS_EMPLOYEE", formula="gross * 7%")
    factory.input_definition(code="HOURS")
    ytd = svc.create_accumulator(session, ACTOR, svc.AccumulatorData(
        "YTD_GROSS", " Gross so far ", "  gross\n"))
    assert (ytd.code, ytd.name, ytd.amount, ytd.active) == ("YTD_GROSS", "Gross so far",
                                                            "gross", True)
    svc.update_accumulator(session, ACTOR, ytd, svc.AccumulatorData(
        "YTD_GROSS", "Gross and SS", "gross + SS_EMPLOYEE + input.HOURS * 0 + ytd.YTD_GROSS * 0"))
    svc.set_accumulator_active(session, ACTOR, ytd, False)
    svc.set_accumulator_active(session, ACTOR, ytd, True)
    session.commit()
    entries = list(session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["accumulator.create", "accumulator.update",
                                           "accumulator.deactivate", "accumulator.activate"]
    assert {e.entity_type for e in entries} == {"accumulator"}
    assert entries[0].after == {"code": "YTD_GROSS", "name": "Gross so far", "amount": "gross",
                                "active": True}
    assert entries[1].before["amount"] == "gross"
    assert entries[1].after["amount"].startswith("gross + SS_EMPLOYEE")
    assert svc.list_accumulators(session) == [ytd]


def test_a_new_accumulator_may_read_its_own_and_other_ytd(session: Session,
                                                          factory: Factory) -> None:
    factory.accumulator(code="YTD_NET", amount="net")
    made = svc.create_accumulator(session, ACTOR, svc.AccumulatorData(
        "YTD_BOTH", "Both", "ytd.YTD_NET * 0 + ytd.YTD_BOTH * 0 + net"))
    assert made.active


@pytest.mark.parametrize(("code", "problem"), [
    ("", CODE_PROBLEM), ("9A", CODE_PROBLEM), ("A B", CODE_PROBLEM), ("A" * 41, CODE_PROBLEM),
    ("X__", CODE_PROBLEM), ("TAKEN", "an accumulator TAKEN already exists"),
])
def test_bad_codes(session: Session, factory: Factory, code: str, problem: str) -> None:
    factory.accumulator(code="TAKEN")
    session.commit()
    error = refused(session, svc.create_accumulator, svc.AccumulatorData(code, "N", "gross"))
    assert error.problems == {"code": problem}


def test_every_problem_at_once(session: Session) -> None:
    error = refused(session, svc.create_accumulator, svc.AccumulatorData("1", " ", "  "))
    assert error.problems == {"code": CODE_PROBLEM, "name": "1-200 characters",
                              "amount": "required"}
    assert error.params["positions"] == {}
    long_name = refused(session, svc.create_accumulator,
                        svc.AccumulatorData("A", "n" * 201, "gross"))
    assert long_name.problems == {"name": "1-200 characters"}


@pytest.mark.parametrize(("amount", "problem", "where"), [
    ("gross +", "line 1, column 8: ", {"line": 1, "column": 8, "position": 7}),
    ("gross\n + bogus", "line 2, column 4: unknown name bogus", {"line": 2, "column": 4,
                                                                 "position": 9}),
    ("gross > 0", "line 1, column 1: ", {"line": 1, "column": 1, "position": 0}),
    ('table("NOPE", gross)', "line 1, column 7: unknown table", {"line": 1, "column": 7}),
    ("input.GONE", "line 1, column 1: unknown name GONE in namespace input",
     {"line": 1, "column": 1}),
    ("loan.installment", "line 1, column 1: unknown name installment in namespace loan",
     {"line": 1, "column": 1}),
])
def test_amount_formula_errors_are_positioned(session: Session, factory: Factory, amount: str,
                                              problem: str, where: dict[str, int]) -> None:
    factory.input_definition(code="GONE", active=False)
    session.commit()
    error = refused(session, svc.create_accumulator, svc.AccumulatorData("ACC", "Acc", amount))
    assert list(error.problems) == ["amount"]
    assert error.problems["amount"].startswith(problem)
    position = error.params["positions"]["amount"]
    assert {key: position[key] for key in where} == where
    assert "code" in position


def test_update_refusals_change_nothing(session: Session, factory: Factory) -> None:
    existing = factory.accumulator(code="YTD", name="Ytd", amount="gross")
    session.commit()
    error = refused(session, svc.update_accumulator, existing, svc.AccumulatorData(
        "RENAMED", "", "nope"))
    assert error.problems["code"] == "the code of an accumulator cannot change"
    assert error.problems["name"] == "1-200 characters"
    assert error.problems["amount"].startswith("line 1, column 1: unknown name nope")
    session.expire_all()
    assert (existing.code, existing.name, existing.amount) == ("YTD", "Ytd", "gross")


def test_check_amount(session: Session, factory: Factory) -> None:
    factory.rate_table(code="TAX")
    check = svc.check_amount(session, 'table("TAX", gross) + net', None)
    assert check.ok and check.names == ("gross", "net") and check.tables == ("TAX",)
    assert svc.check_amount(session, "ytd.NEW", "NEW").ok
    assert not svc.check_amount(session, "ytd.NEW", None).ok
    assert not svc.check_amount(session, "ytd.NEW", "bad code").ok
    assert svc.check_amount(session, "x" * 5000, None).error.code == "too_long"  # type: ignore[union-attr]


def test_toggle_refusals(session: Session, factory: Factory) -> None:
    used = factory.accumulator(code="YTD_GROSS", amount="gross")
    factory.concept(code="TAX", formula="ytd.YTD_GROSS * 1%")
    factory.concept(code="OLD", formula="ytd.YTD_GROSS", status=ConceptStatus.RETIRED)
    factory.accumulator(code="SELF", amount="ytd.SELF * 0 + gross")
    factory.accumulator(code="OTHER", amount="ytd.YTD_GROSS")
    session.commit()
    with pytest.raises(InvalidState, match="already active"):
        svc.set_accumulator_active(session, ACTOR, used, True)
    with pytest.raises(InvalidState) as caught:
        svc.set_accumulator_active(session, ACTOR, used, False)
    assert caught.value.params["users"] == [{"kind": "concept", "code": "TAX"},
                                            {"kind": "accumulator", "code": "OTHER"}]
    self_reading = session.scalars(sa.select(AccumulatorDefinition).where(
        AccumulatorDefinition.code == "SELF")).one()
    svc.set_accumulator_active(session, ACTOR, self_reading, False)  # reads only itself
    session.commit()
    assert actions(session) == ["accumulator.deactivate"]


def test_activation_rechecks_the_amount(session: Session, factory: Factory) -> None:
    hours = factory.input_definition(code="HOURS", active=False)
    stale = factory.accumulator(code="YTD_HOURS", amount="input.HOURS", active=False)
    session.commit()
    error = refused(session, svc.set_accumulator_active, stale, True,
                    message="the accumulator cannot be activated")
    assert error.problems["amount"].startswith("line 1, column 1: unknown name HOURS")
    assert error.params["positions"]["amount"]["position"] == 0
    hours.active = True
    session.commit()
    svc.set_accumulator_active(session, ACTOR, stale, True)
    assert stale.active


def test_definition_activation(session: Session, factory: Factory) -> None:
    definition = factory.definition(code="MAIN")
    session.commit()
    with pytest.raises(InvalidState, match="payroll MAIN is already active"):
        set_definition_active(session, ACTOR, definition, True)
    set_definition_active(session, ACTOR, definition, False)
    session.commit()
    [entry] = session.scalars(sa.select(AuditEntry)).all()
    assert (entry.action, entry.entity_type, entry.entity_id) == (
        "payroll.deactivate", "payroll_definition", str(definition.id))
    assert entry.before["active"] is True and entry.after["active"] is False
    definition.payroll_type.active = False
    session.commit()
    with pytest.raises(InvalidState) as caught:
        set_definition_active(session, ACTOR, definition, True)
    assert caught.value.params["reasons"] == [
        {"kind": "payroll_type", "code": definition.payroll_type.code}]
    session.expire_all()
    assert definition.active is False and count(session, AuditEntry) == 1
    definition.payroll_type.active = True
    session.commit()
    set_definition_active(session, ACTOR, definition, True)
    session.commit()
    assert actions(session) == ["payroll.deactivate", "payroll.activate"]


def test_definition_activation_names_every_inactive_part(session: Session,
                                                         factory: Factory) -> None:
    definition = factory.definition(code="MAIN", active=False)
    session.flush()
    from coati_payroll.db.models import Company, Currency

    company = session.get(Company, definition.company_id)
    currency = session.scalars(sa.select(Currency).where(
        Currency.code == definition.currency_code)).one()
    assert company is not None
    company.active = currency.active = definition.payroll_type.active = False
    session.commit()
    with pytest.raises(InvalidState) as caught:
        set_definition_active(session, ACTOR, definition, True)
    assert [r["kind"] for r in caught.value.params["reasons"]] == [
        "company", "payroll_type", "currency"]
