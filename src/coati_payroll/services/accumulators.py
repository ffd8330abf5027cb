"""Year-to-date accumulators (docs/calculation.md §7): ``ytd.CODE`` reads the prior value
during a period; after the payslip the ``amount`` formula (e.g. ``gross``) is evaluated with
every name available, rounded and added.

* ``code`` follows the input rules (1-40 letters, digits or ``_``, starting with a letter;
  unique; fixed once created), ``name`` 1-200 characters.
* ``amount`` is checked at save time against the installation's names
  (:func:`~coati_payroll.services.concept_tests.installation_scope`, plus the accumulator's own
  ``ytd.CODE``): it must compile and give a number. There are no ordering rules (it runs after
  the payslip). A positioned :class:`FormulaError` becomes :class:`InvalidInput` with
  ``problems["amount"] = "line L, column C: message"`` and the position in
  ``params["positions"]["amount"]`` (like :mod:`coati_payroll.services.concepts`).
* Accumulators are deactivated, never deleted (balances and runs name them). Deactivation is
  refused (:class:`InvalidState`, ``params["users"]``) while an active concept's draft or
  approved version or another active accumulator reads ``ytd.CODE``; activation re-checks the
  amount formula against today's names.

Nothing here commits; every change writes an audit entry (``accumulator.create``, ``.update``,
``.activate``, ``.deactivate``) in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.errors import FormulaError
from coati_payroll.core.formula import MAX_SOURCE_LENGTH, compile_formula
from coati_payroll.core.formula.scope import ValueType
from coati_payroll.core.vocabulary import PayrollScope, ytd_name
from coati_payroll.db.models import AccumulatorDefinition
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.concept_queries import FormulaCheck
from coati_payroll.services.concept_tests import (
    formula_position,
    formula_problem,
    installation_scope,
)
from coati_payroll.services.errors import InvalidInput, InvalidState
from coati_payroll.services.inputs import code_problem, formula_users, name_problem


@dataclass(frozen=True, slots=True)
class AccumulatorData:
    code: str
    name: str
    amount: str


def amount_scope(session: Session, code: str | None) -> PayrollScope:
    """The names an accumulator's amount formula may read: the installation's, plus its own
    ``ytd.CODE`` (the engine declares every accumulator before evaluating any)."""
    scope = installation_scope(session)
    if not code or code_problem(code):
        return scope
    names = {**scope.names, ytd_name(code): ValueType.NUMBER}
    return PayrollScope(MappingProxyType(names), scope.tables, scope.rounding)


def check_amount(session: Session, source: str, code: str | None) -> FormulaCheck:
    """Compile ``source`` as the amount of accumulator ``code`` (None: a new one)."""
    try:
        compiled = compile_formula(source[:MAX_SOURCE_LENGTH + 1], amount_scope(session, code),
                                   expected=ValueType.NUMBER)
    except FormulaError as error:
        return FormulaCheck(error.with_source(source))
    return FormulaCheck(None, compiled.names, compiled.tables)


def snapshot(accumulator: AccumulatorDefinition) -> dict[str, Any]:
    return {"code": accumulator.code, "name": accumulator.name, "amount": accumulator.amount,
            "active": accumulator.active}


def _amount_problem(session: Session, source: str, code: str,
                    problems: dict[str, str], positions: dict[str, Any]) -> None:
    if not isinstance(source, str) or not source.strip():
        problems["amount"] = "required"
        return
    check = check_amount(session, source, code)
    if check.error is not None:
        problems["amount"] = formula_problem(check.error)
        positions["amount"] = formula_position(check.error)


def _validate(session: Session, data: AccumulatorData,
              existing: AccumulatorDefinition | None) -> None:
    problems: dict[str, str] = {}
    positions: dict[str, Any] = {}
    if existing is not None:
        if data.code != existing.code:
            problems["code"] = "the code of an accumulator cannot change"
    elif problem := code_problem(data.code):
        problems["code"] = problem
    elif session.scalar(sa.select(AccumulatorDefinition.id).where(
            AccumulatorDefinition.code == data.code)) is not None:
        problems["code"] = f"an accumulator {data.code} already exists"
    if problem := name_problem(data.name):
        problems["name"] = problem
    _amount_problem(session, data.amount, existing.code if existing else data.code, problems,
                    positions)
    if problems:
        raise InvalidInput("the accumulator cannot be saved", problems, positions=positions)


def create_accumulator(session: Session, actor: Actor,
                       data: AccumulatorData) -> AccumulatorDefinition:
    """A new active accumulator (its amount formula checked first)."""
    _validate(session, data, None)
    accumulator = AccumulatorDefinition(code=data.code, name=data.name.strip(),
                                        amount=data.amount.strip(), active=True)
    session.add(accumulator)
    session.flush()
    audit.record(session, actor, "accumulator.create", "accumulator", accumulator.id, {},
                 snapshot(accumulator))
    return accumulator


def update_accumulator(session: Session, actor: Actor, accumulator: AccumulatorDefinition,
                       data: AccumulatorData) -> AccumulatorDefinition:
    """Change the name and the amount formula (the code stays). Runs already calculated keep
    the formula they used."""
    _validate(session, data, accumulator)
    before = snapshot(accumulator)
    accumulator.name, accumulator.amount = data.name.strip(), data.amount.strip()
    session.flush()
    audit.record(session, actor, "accumulator.update", "accumulator", accumulator.id, before,
                 snapshot(accumulator))
    return accumulator


def set_accumulator_active(session: Session, actor: Actor, accumulator: AccumulatorDefinition,
                           active: bool) -> AccumulatorDefinition:
    """Activate (the amount must still compile) or deactivate (nothing may read it)."""
    code = accumulator.code
    if accumulator.active == active:
        raise InvalidState(f"accumulator {code} is already "
                           f"{'active' if active else 'inactive'}", code=code)
    if active:
        problems: dict[str, str] = {}
        positions: dict[str, Any] = {}
        _amount_problem(session, accumulator.amount, code, problems, positions)
        if problems:
            raise InvalidInput("the accumulator cannot be activated", problems,
                               positions=positions)
    else:
        users = [u for u in formula_users(session, ytd_name(code))
                 if not (u.kind == "accumulator" and u.code == code)]
        if users:
            raise InvalidState(f"accumulator {code} is used by "
                               + ", ".join(f"{u.kind} {u.code}" for u in users),
                               code=code, users=[u.as_dict() for u in users])
    before = snapshot(accumulator)
    accumulator.active = active
    session.flush()
    audit.record(session, actor, "accumulator.activate" if active else
                 "accumulator.deactivate", "accumulator", accumulator.id, before,
                 snapshot(accumulator))
    return accumulator


def list_accumulators(session: Session) -> list[AccumulatorDefinition]:
    return list(session.scalars(sa.select(AccumulatorDefinition).order_by(
        AccumulatorDefinition.code)))
