"""Inputs (novelty types): the per-period values a formula reads as ``input.CODE`` — overtime
hours, absence days, a one-off bonus — and the default used when an employee has no novelty.

* A ``code`` is 1-40 letters, digits or ``_`` starting with a letter (no trailing ``__``: the
  formula language refuses such names); unique; fixed once created. ``name`` 1-200 characters.
  ``default`` is an exact decimal (``Decimal`` or ``int``, never a float) that fits the column
  (14 decimal places); it may be negative.
* Everything is validated first: a refusal is :class:`InvalidInput` with every problem and
  nothing added to the session.
* Inputs are never deleted (novelties and stored runs name them): they are deactivated.
  Deactivation is refused (:class:`InvalidState`, ``params["users"]``) while something would
  break without the input: an active payroll type names it (absence/hours/days fields), an
  active concept's draft or approved version or an active accumulator reads ``input.CODE``, or
  pending novelties use it (the engine refuses an undeclared input).

Nothing here commits; every change writes an audit entry (``input.create``, ``input.update``,
``input.activate``, ``input.deactivate``) in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.errors import FormulaError
from coati_payroll.core.formula.lexer import NAME, is_dunder, tokenize
from coati_payroll.core.setup_check import CODE_PATTERN
from coati_payroll.core.vocabulary import input_name
from coati_payroll.db.models import (
    AccumulatorDefinition,
    Concept,
    ConceptStatus,
    ConceptVersion,
    InputDefinition,
    Novelty,
    NoveltyStatus,
    PayrollType,
)
from coati_payroll.db.types import Rate
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState

_RATE: Final = Rate()
CODE_PROBLEM: Final = "1-40 letters, digits or _, starting with a letter"
#: The payroll type columns that name an input.
TYPE_INPUT_FIELDS: Final = ("absence_days_input", "absence_hours_input", "hours_worked_input",
                            "days_worked_input")


@dataclass(frozen=True, slots=True)
class InputData:
    code: str
    name: str
    default: Decimal | int = Decimal(0)


@dataclass(frozen=True, slots=True)
class InputUser:
    """Something that needs an input (or an accumulator): ``kind`` is ``payroll_type``,
    ``concept``, ``accumulator`` or ``novelties`` (``code`` is then the number pending)."""

    kind: str
    code: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "code": self.code}


def code_problem(code: str) -> str | None:
    """The reason ``code`` is not a valid input or accumulator code, or None."""
    if (not isinstance(code, str) or not CODE_PATTERN.match(code) or len(code) > 40
            or is_dunder(code)):
        return CODE_PROBLEM
    return None


def name_problem(name: str) -> str | None:
    return None if isinstance(name, str) and name.strip() and len(name) <= 200 \
        else "1-200 characters"


def reads(source: str | None, name: str) -> bool:
    """True when the formula ``source`` reads ``name`` (a whole dotted name, not text in
    quotes). A formula that no longer tokenizes is searched as plain text."""
    if not source:
        return False
    try:
        return any(t.kind == NAME and t.text == name for t in tokenize(source))
    except FormulaError:
        return name in source


def formula_users(session: Session, name: str) -> list[InputUser]:
    """Active concepts (draft or approved versions) and active accumulators reading
    ``name``."""
    users: list[InputUser] = []
    versions = session.execute(
        sa.select(Concept.code, ConceptVersion.formula, ConceptVersion.condition)
        .join(ConceptVersion, ConceptVersion.concept_id == Concept.id)
        .where(Concept.active.is_(True), ConceptVersion.status != ConceptStatus.RETIRED)
        .order_by(Concept.code))
    for code, formula, condition in versions:
        if (reads(formula, name) or reads(condition, name)) and not any(
                u.code == code for u in users):
            users.append(InputUser("concept", code))
    for code, amount in session.execute(
            sa.select(AccumulatorDefinition.code, AccumulatorDefinition.amount)
            .where(AccumulatorDefinition.active.is_(True))
            .order_by(AccumulatorDefinition.code)):
        if reads(amount, name):
            users.append(InputUser("accumulator", code))
    return users


def input_users(session: Session, code: str) -> list[InputUser]:
    """What needs input ``code``: active payroll types naming it, formulas reading
    ``input.CODE``, pending novelties (one entry with their number)."""
    users = [InputUser("payroll_type", type_code) for type_code in session.scalars(
        sa.select(PayrollType.code).where(
            PayrollType.active.is_(True),
            sa.or_(*(getattr(PayrollType, field) == code for field in TYPE_INPUT_FIELDS)))
        .order_by(PayrollType.code))]
    users += formula_users(session, input_name(code))
    pending = session.scalar(sa.select(sa.func.count()).select_from(Novelty).where(
        Novelty.input_code == code, Novelty.status == NoveltyStatus.PENDING)) or 0
    if pending:
        users.append(InputUser("novelties", str(pending)))
    return users


def snapshot(definition: InputDefinition) -> dict[str, Any]:
    return {"code": definition.code, "name": definition.name,
            "default": definition.default, "active": definition.active}


def _validate(session: Session, data: InputData, existing: InputDefinition | None
              ) -> Decimal:
    problems: dict[str, str] = {}
    if existing is not None:
        if data.code != existing.code:
            problems["code"] = "the code of an input cannot change"
    elif problem := code_problem(data.code):
        problems["code"] = problem
    elif session.scalar(sa.select(InputDefinition.id).where(
            InputDefinition.code == data.code)) is not None:
        problems["code"] = f"an input {data.code} already exists"
    if problem := name_problem(data.name):
        problems["name"] = problem
    default = Decimal(0)
    if isinstance(data.default, bool) or not isinstance(data.default, (Decimal, int)):
        problems["default"] = f"{data.default!r} is not an exact decimal"
    else:
        try:
            default = _RATE.coerce(data.default)
        except (TypeError, ValueError) as error:
            problems["default"] = str(error)
    if problems:
        raise InvalidInput("the input cannot be saved", problems)
    return default


def create_input(session: Session, actor: Actor, data: InputData) -> InputDefinition:
    """A new active input."""
    default = _validate(session, data, None)
    definition = InputDefinition(code=data.code, name=data.name.strip(), default=default,
                                 active=True)
    session.add(definition)
    session.flush()
    audit.record(session, actor, "input.create", "input_definition", definition.id, {},
                 snapshot(definition))
    return definition


def update_input(session: Session, actor: Actor, definition: InputDefinition,
                 data: InputData) -> InputDefinition:
    """Change the name and the default (the code stays). Runs already calculated keep the
    values they used."""
    default = _validate(session, data, definition)
    before = snapshot(definition)
    definition.name, definition.default = data.name.strip(), default
    session.flush()
    audit.record(session, actor, "input.update", "input_definition", definition.id, before,
                 snapshot(definition))
    return definition


def set_input_active(session: Session, actor: Actor, definition: InputDefinition,
                     active: bool) -> InputDefinition:
    """Activate, or deactivate when nothing needs the input (see the module docstring)."""
    if definition.active == active:
        raise InvalidState(f"input {definition.code} is already "
                           f"{'active' if active else 'inactive'}", code=definition.code)
    if not active and (users := input_users(session, definition.code)):
        raise InvalidState(
            f"input {definition.code} is used by "
            + ", ".join(f"{u.kind} {u.code}" for u in users),
            code=definition.code, users=[u.as_dict() for u in users])
    before = snapshot(definition)
    definition.active = active
    session.flush()
    audit.record(session, actor, "input.activate" if active else "input.deactivate",
                 "input_definition", definition.id, before, snapshot(definition))
    return definition


def list_inputs(session: Session, *, active_only: bool = False) -> list[InputDefinition]:
    query = sa.select(InputDefinition).order_by(InputDefinition.code)
    if active_only:
        query = query.where(InputDefinition.active.is_(True))
    return list(session.scalars(query))


def get_input(session: Session, input_id: int) -> InputDefinition | None:
    return session.get(InputDefinition, input_id)
