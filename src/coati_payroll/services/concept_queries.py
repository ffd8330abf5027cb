"""Read-only questions the concept pages ask: lists, lookups, the names a formula may read,
checking a formula as it is typed, and the differences between two versions.

Nothing here writes; the governed writes stay in :mod:`coati_payroll.services.concepts` and
:mod:`coati_payroll.services.concept_tests`, which re-validate everything on save.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.errors import FormulaError
from coati_payroll.core.formula import FUNCTIONS, compile_formula
from coati_payroll.core.formula.scope import ValueType
from coati_payroll.core.model import ConceptKind
from coati_payroll.core.vocabulary import GROSS, NET, TOTAL_DEDUCTIONS, PayrollScope
from coati_payroll.db.models import Concept, ConceptStatus, ConceptTestCase, ConceptVersion
from coati_payroll.services.concept_tests import concept_scope, installation_scope
from coati_payroll.services.errors import NotFound

#: Version fields compared by :func:`version_diff`, in display order.
DIFF_FIELDS: Final = ("effective_from", "formula", "condition", "priority", "cap", "floor",
                      "shortfall", "loan", "tags", "debit_account", "credit_account", "note")

#: Groups of the name reference, in display order: group → name prefix (None: plain names).
NAME_GROUPS: Final = ("salary", "period", "employee", "totals", "input", "custom", "ytd",
                      "total", "loan", "concepts")
_TOTALS: Final = frozenset({GROSS, TOTAL_DEDUCTIONS, NET})


@dataclass(frozen=True, slots=True)
class ConceptRow:
    """A concept in the list: its latest version and the approved one in force today."""

    concept: Concept
    latest: ConceptVersion | None
    has_draft: bool
    approved: int


@dataclass(frozen=True, slots=True)
class FormulaCheck:
    """The outcome of checking one formula: ``error`` is None when it compiles; ``names``
    are the names it reads (in order), ``tables`` the tables it uses."""

    error: FormulaError | None
    names: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    late: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None and not self.late


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


def list_concepts(session: Session, kind: ConceptKind | None = None) -> list[ConceptRow]:
    """Every concept (of ``kind`` when given) by kind then code."""
    query = sa.select(Concept).order_by(Concept.kind, Concept.code)
    if kind is not None:
        query = query.where(Concept.kind == kind)
    rows = []
    for concept in session.scalars(query):
        versions = concept.versions
        rows.append(ConceptRow(
            concept, versions[-1] if versions else None,
            any(v.status is ConceptStatus.DRAFT for v in versions),
            sum(1 for v in versions if v.status is ConceptStatus.APPROVED)))
    return rows


def get_concept(session: Session, concept_id: int) -> Concept:
    concept = session.get(Concept, concept_id)
    if concept is None:
        raise NotFound(f"no concept {concept_id}")
    return concept


def get_version(concept: Concept, number: int) -> ConceptVersion:
    version = next((v for v in concept.versions if v.version == number), None)
    if version is None:
        raise NotFound(f"concept {concept.code} has no version {number}")
    return version


def get_test_case(concept: Concept, case_id: int) -> ConceptTestCase:
    case = next((c for c in concept.test_cases if c.id == case_id), None)
    if case is None:
        raise NotFound(f"concept {concept.code} has no test case {case_id}")
    return case


def scope_for(session: Session, code: str | None, loan: bool) -> PayrollScope:
    """The names a concept ``code`` (None: a new concept) may read."""
    if code:
        return concept_scope(session, code, loan)
    scope = installation_scope(session)
    return scope.for_loans() if loan else scope


def _group(name: str, concepts: set[str]) -> str:
    if name in _TOTALS:
        return "totals"
    if name in concepts:
        return "concepts"
    prefix, dot, _ = name.partition(".")
    return prefix if dot else "salary"


def name_reference(session: Session, scope: PayrollScope) -> dict[str, list[tuple[str, str]]]:
    """The scope's names grouped for the editor's reference list: group → [(name, type)]."""
    concepts = set(session.scalars(sa.select(Concept.code)))
    groups: dict[str, list[tuple[str, str]]] = {group: [] for group in NAME_GROUPS}
    for name in scope.known_names():
        value_type = scope.resolve(name) or ValueType.NUMBER
        groups[_group(name, concepts)].append((name, str(value_type)))
    return {group: sorted(items) for group, items in groups.items() if items}


def table_names(scope: PayrollScope) -> list[str]:
    return sorted(scope.tables)


def function_usages() -> list[str]:
    return sorted(function.usage for function in FUNCTIONS.values())


def late_names(session: Session, kind: ConceptKind | str | None,
               names: tuple[str, ...]) -> tuple[str, ...]:
    """Names a concept of ``kind`` may not read because they are computed after it (the
    engine's ordering rules; the save re-checks them)."""
    try:
        chosen = ConceptKind(kind) if kind else None
    except ValueError:
        return ()
    if chosen is ConceptKind.EARNING:
        late, late_kinds = set(_TOTALS), {ConceptKind.DEDUCTION, ConceptKind.EMPLOYER}
    elif chosen is ConceptKind.DEDUCTION:
        late, late_kinds = {TOTAL_DEDUCTIONS, NET}, {ConceptKind.EMPLOYER}
    else:
        return ()
    kinds = {code: k for code, k in session.execute(sa.select(Concept.code, Concept.kind))}
    return tuple(n for n in dict.fromkeys(names) if n in late or kinds.get(n) in late_kinds)


def check_formula(session: Session, source: str, *, code: str | None, loan: bool,
                  kind: ConceptKind | str | None = None, condition: bool = False
                  ) -> FormulaCheck:
    """Compile ``source`` as the formula (a number) or the ``condition`` (a yes/no) of
    concept ``code`` against the installation's names."""
    scope = scope_for(session, code, loan)
    expected = ValueType.BOOLEAN if condition else ValueType.NUMBER
    try:
        compiled = compile_formula(source, scope, expected=expected)
    except FormulaError as error:
        return FormulaCheck(error.with_source(source))
    return FormulaCheck(None, compiled.names, compiled.tables,
                        late_names(session, kind, compiled.names))


def names_read(session: Session, version: ConceptVersion) -> tuple[str, ...]:
    """The names the version's formula and condition read (empty when they no longer
    compile)."""
    code, loan = version.concept.code, version.loan
    names: list[str] = []
    for source, condition in ((version.formula, False), (version.condition, True)):
        if source and source.strip():
            names.extend(check_formula(session, source, code=code, loan=loan,
                                       condition=condition).names)
    return tuple(dict.fromkeys(names))


def version_diff(before: ConceptVersion, after: ConceptVersion) -> list[FieldChange]:
    """The fields that differ between two versions."""
    return [FieldChange(name, getattr(before, name), getattr(after, name))
            for name in DIFF_FIELDS if getattr(before, name) != getattr(after, name)]


def text_diff(before: str | None, after: str | None) -> list[tuple[str, str]]:
    """A line diff of two formulas: [(mark, line)] with mark ``-``, ``+`` or `` ``."""
    lines = difflib.ndiff((before or "").splitlines(), (after or "").splitlines())
    return [(line[0], line[2:]) for line in lines if line[:1] in ("-", "+", " ")]
