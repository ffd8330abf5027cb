"""Concepts and their governed versions (docs/concepts-and-loans.md).

* :func:`create_concept` makes the concept and its version 1 as a **draft**.
* :func:`edit_concept` edits the concept's draft in place when it has one; otherwise (its
  versions are approved or retired) it makes a new draft numbered max version + 1. An
  approved version is never changed.
* Every save validates the formula and condition against the installation's names
  (:func:`~coati_payroll.services.concept_tests.installation_scope`): a positioned formula
  error becomes ``InvalidInput`` with ``problems["formula"] = "line L, column C: message"`` and
  the position in ``params["positions"]["formula"]``. An earning may not read gross, totals,
  deductions or employer concepts; a deduction may not read ``total_deductions``, ``net`` or
  employer concepts (the engine's ordering rules, checked early).
* :func:`approve_version` refuses (InvalidState, naming them) while any stored test case fails;
  it retires the approved version with the same ``effective_from``, stamps ``approved_by`` and
  ``approved_at``. The author of a version may not approve it unless ``allow_self_approval``
  (four eyes; system actors without a user id may approve).
* :func:`reject_draft` discards a draft (the approved versions stay in force);
  :func:`retire_version` withdraws an approved version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.errors import FormulaError
from coati_payroll.core.formula import compile_formula
from coati_payroll.core.formula.lexer import KEYWORDS
from coati_payroll.core.formula.scope import ValueType
from coati_payroll.core.model import ConceptKind, ShortfallPolicy
from coati_payroll.core.results import BASE_LINE
from coati_payroll.core.setup_check import CODE_PATTERN
from coati_payroll.core.vocabulary import EMPLOYEE_NAMES, GROSS, NET, TOTAL_DEDUCTIONS
from coati_payroll.db.models import Concept, ConceptStatus, ConceptVersion
from coati_payroll.db.types import utcnow
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.concept_tests import (
    concept_scope,
    formula_position,
    formula_problem,
    run_test_cases,
)
from coati_payroll.services.employees import money_problem
from coati_payroll.services.errors import InvalidInput, InvalidState

RESERVED: Final = frozenset({*KEYWORDS, BASE_LINE, *EMPLOYEE_NAMES, GROSS, NET,
                             TOTAL_DEDUCTIONS})
_VERSION_FIELDS: Final = ("effective_from", "formula", "condition", "priority", "cap", "floor",
                          "shortfall", "loan", "tags", "debit_account", "credit_account", "note")


@dataclass(frozen=True, slots=True)
class ConceptData:
    """A concept's identity (``code``, ``kind``: fixed once created), ``name`` and the rules
    of the version being saved."""

    code: str
    name: str
    kind: ConceptKind | str
    formula: str
    effective_from: date
    condition: str | None = None
    priority: int = 0
    cap: Decimal | None = None
    floor: Decimal | None = None
    shortfall: ShortfallPolicy | str = ShortfallPolicy.PARTIAL
    loan: bool = False
    tags: tuple[str, ...] = ()
    debit_account: str | None = None
    credit_account: str | None = None
    note: str | None = None


def version_snapshot(version: ConceptVersion) -> dict[str, Any]:
    return {"version": version.version, "status": version.status,
            **{name: getattr(version, name) for name in _VERSION_FIELDS}}


def _check_formulas(session: Session, data: ConceptData, kind: ConceptKind,
                    problems: dict[str, str], positions: dict[str, Any]) -> None:
    scope = concept_scope(session, data.code, data.loan)
    read: list[str] = []
    for field, source, expected in (("formula", data.formula, ValueType.NUMBER),
                                    ("condition", data.condition, ValueType.BOOLEAN)):
        if source is None or not source.strip():
            if field == "formula":
                problems[field] = "required"
            continue
        try:
            read.extend(compile_formula(source, scope, expected=expected).names)
        except FormulaError as error:
            problems[field] = formula_problem(error)
            positions[field] = formula_position(error)
    kinds = {code: kind for code, kind in session.execute(sa.select(Concept.code,
                                                                    Concept.kind))}
    if kind is ConceptKind.EARNING:
        late = {GROSS, TOTAL_DEDUCTIONS, NET}
        late_kinds = {ConceptKind.DEDUCTION, ConceptKind.EMPLOYER}
    elif kind is ConceptKind.DEDUCTION:
        late, late_kinds = {TOTAL_DEDUCTIONS, NET}, {ConceptKind.EMPLOYER}
    else:
        return
    bad = [name for name in dict.fromkeys(read) if name in late or kinds.get(name) in late_kinds]
    if bad and "formula" not in problems:
        problems["formula"] = (f"a {kind.value} cannot read {', '.join(bad)} "
                               "(they are computed after it)")


def _validate(session: Session, data: ConceptData, concept: Concept | None
              ) -> tuple[ConceptKind, ShortfallPolicy]:
    problems: dict[str, str] = {}
    positions: dict[str, Any] = {}
    if concept is not None:
        if data.code != concept.code:
            problems["code"] = "the code of a concept cannot change"
    elif not CODE_PATTERN.match(data.code or "") or len(data.code) > 40:
        problems["code"] = "1-40 letters, digits or _, starting with a letter"
    elif data.code in RESERVED:
        problems["code"] = f"{data.code} is a reserved name"
    elif session.scalar(sa.select(Concept.id).where(Concept.code == data.code)) is not None:
        problems["code"] = f"a concept {data.code} already exists"
    if not data.name or not data.name.strip() or len(data.name) > 200:
        problems["name"] = "1-200 characters"
    try:
        kind = ConceptKind(data.kind)
    except ValueError:
        kind = ConceptKind.EARNING
        problems["kind"] = "one of " + ", ".join(k.value for k in ConceptKind)
    if concept is not None and kind is not concept.kind:
        problems["kind"] = "the kind of a concept cannot change"
    try:
        shortfall = ShortfallPolicy(data.shortfall)
    except ValueError:
        shortfall = ShortfallPolicy.PARTIAL
        problems["shortfall"] = "one of " + ", ".join(s.value for s in ShortfallPolicy)
    if data.loan and kind is not ConceptKind.DEDUCTION:
        problems["loan"] = "only a deduction can repay loans"
    if isinstance(data.priority, bool) or not isinstance(data.priority, int):
        problems["priority"] = "a whole number"
    for name in ("cap", "floor"):
        value = getattr(data, name)
        if value is not None and (problem := money_problem(value)):
            problems[name] = problem
    if (data.cap is not None and data.floor is not None and "cap" not in problems
            and "floor" not in problems and data.cap < data.floor):
        problems["cap"] = f"below the floor {data.floor}"
    bad_tags = [t for t in data.tags if not CODE_PATTERN.match(t)]
    if bad_tags:
        problems["tags"] = f"not valid tag codes: {', '.join(bad_tags)}"
    for name in ("debit_account", "credit_account"):
        if len(getattr(data, name) or "") > 64:
            problems[name] = "at most 64 characters"
    if "code" not in problems:
        _check_formulas(session, data, kind, problems, positions)
    if problems:
        raise InvalidInput("the concept cannot be saved", problems, positions=positions)
    return kind, shortfall


def _fill(version: ConceptVersion, data: ConceptData, shortfall: ShortfallPolicy) -> None:
    version.effective_from = data.effective_from
    version.formula = data.formula.strip()
    version.condition = data.condition.strip() if data.condition and data.condition.strip() \
        else None
    version.priority = data.priority
    version.cap, version.floor = data.cap, data.floor
    version.shortfall = shortfall
    version.loan = data.loan
    version.tags = sorted(set(data.tags)) or None
    version.debit_account = data.debit_account or None
    version.credit_account = data.credit_account or None
    version.note = data.note or None


def create_concept(session: Session, actor: Actor, data: ConceptData) -> Concept:
    """A new concept with version 1 as a draft."""
    kind, shortfall = _validate(session, data, None)
    concept = Concept(code=data.code, name=data.name.strip(), kind=kind, active=True)
    session.add(concept)
    session.flush()
    version = ConceptVersion(concept_id=concept.id, version=1, status=ConceptStatus.DRAFT,
                             created_by_id=actor.user_id)
    _fill(version, data, shortfall)
    session.add(version)
    session.flush()
    session.refresh(concept, ["versions"])
    audit.record(session, actor, "concept.create", "concept", concept.id, {},
                 {"code": concept.code, "name": concept.name, "kind": kind,
                  **version_snapshot(version)})
    return concept


def draft_of(concept: Concept) -> ConceptVersion | None:
    return next((v for v in concept.versions if v.status is ConceptStatus.DRAFT), None)


def edit_concept(session: Session, actor: Actor, concept: Concept,
                 data: ConceptData) -> ConceptVersion:
    """Save ``data`` into the concept's draft (made as max version + 1 when there is none)."""
    _, shortfall = _validate(session, data, concept)
    draft = draft_of(concept)
    before: dict[str, Any] = {"name": concept.name}
    if draft is None:
        number = max(v.version for v in concept.versions) + 1
        draft = ConceptVersion(concept_id=concept.id, version=number,
                               status=ConceptStatus.DRAFT, created_by_id=actor.user_id)
        session.add(draft)
        action = "concept.new_version"
    else:
        before |= version_snapshot(draft)
        action = "concept.edit_draft"
    concept.name = data.name.strip()
    _fill(draft, data, shortfall)
    session.flush()
    session.refresh(concept, ["versions"])
    audit.record(session, actor, action, "concept", concept.id, before,
                 {"name": concept.name, **version_snapshot(draft)})
    return draft


def approve_version(session: Session, actor: Actor, version: ConceptVersion, *,
                    allow_self_approval: bool = False) -> ConceptVersion:
    """Approve a draft (see the module docstring). Raises InvalidState (not a draft, own
    version, failing cases listed in ``params["failing"]``) or InvalidInput (its formulas no
    longer compile against today's names)."""
    concept = version.concept
    if version.status is not ConceptStatus.DRAFT:
        raise InvalidState(f"{concept.code} version {version.version} is "
                           f"{version.status.value}, not a draft")
    if (not allow_self_approval and actor.user_id is not None
            and version.created_by_id == actor.user_id):
        raise InvalidState(f"{actor.username} wrote {concept.code} version "
                           f"{version.version} and cannot approve it (four eyes)")
    _validate(session, ConceptData(
        concept.code, concept.name, concept.kind, version.formula, version.effective_from,
        version.condition, version.priority, version.cap, version.floor, version.shortfall,
        version.loan, tuple(version.tags or ())), concept)
    failing = [r for r in run_test_cases(session, version) if not r.passed]
    if failing:
        raise InvalidState(
            f"{concept.code} version {version.version} fails test cases: "
            + "; ".join(f"{r.case.name} ({r.message})" for r in failing),
            failing=[r.case.name for r in failing])
    for other in concept.versions:
        if (other is not version and other.status is ConceptStatus.APPROVED
                and other.effective_from == version.effective_from):
            other.status = ConceptStatus.RETIRED
            audit.record(session, actor, "concept.retire", "concept", concept.id,
                         {"version": other.version, "status": ConceptStatus.APPROVED},
                         {"version": other.version, "status": ConceptStatus.RETIRED,
                          "replaced_by": version.version})
    before = version_snapshot(version)
    version.status = ConceptStatus.APPROVED
    version.approved_by_id = actor.user_id
    version.approved_at = utcnow()
    session.flush()
    audit.record(session, actor, "concept.approve", "concept", concept.id, before,
                 version_snapshot(version))
    return version


def reject_draft(session: Session, actor: Actor, version: ConceptVersion,
                 reason: str = "") -> None:
    """Discard a draft version. A concept's only version cannot be discarded (deactivate the
    concept instead)."""
    concept = version.concept
    if version.status is not ConceptStatus.DRAFT:
        raise InvalidState(f"{concept.code} version {version.version} is not a draft")
    if len(concept.versions) == 1:
        raise InvalidState(f"version {version.version} is the only version of {concept.code}")
    before = version_snapshot(version)
    session.delete(version)
    session.flush()
    session.refresh(concept, ["versions"])
    audit.record(session, actor, "concept.reject_draft", "concept", concept.id, before,
                 {"reason": reason})


def retire_version(session: Session, actor: Actor, version: ConceptVersion) -> ConceptVersion:
    """Withdraw an approved version (runs then use the previous approved one in force)."""
    if version.status is not ConceptStatus.APPROVED:
        raise InvalidState(f"{version.concept.code} version {version.version} is not approved")
    before = version_snapshot(version)
    version.status = ConceptStatus.RETIRED
    session.flush()
    audit.record(session, actor, "concept.retire", "concept", version.concept_id, before,
                 version_snapshot(version))
    return version


def set_concept_active(session: Session, actor: Actor, concept: Concept,
                       active: bool) -> Concept:
    if concept.active == active:
        raise InvalidState(f"concept {concept.code} is already "
                           f"{'active' if active else 'inactive'}")
    concept.active = active
    session.flush()
    audit.record(session, actor, "concept.activate" if active else "concept.deactivate",
                 "concept", concept.id, {"active": not active}, {"active": active})
    return concept


def list_versions(concept: Concept) -> list[ConceptVersion]:
    return sorted(concept.versions, key=lambda v: v.version)


def version_in_force(concept: Concept, day: date) -> ConceptVersion | None:
    """The approved version with the latest ``effective_from`` on or before ``day``."""
    candidates = [v for v in concept.versions
                  if v.status is ConceptStatus.APPROVED and v.effective_from <= day]
    return max(candidates, key=lambda v: (v.effective_from, v.version), default=None)


def find_concept(session: Session, code: str) -> Concept | None:
    return session.scalar(sa.select(Concept).where(Concept.code == code))
