"""The formula scope of the installation, trying a concept on given values, and stored test
cases.

* :func:`installation_scope` — every name a concept formula may read here: the engine's
  built-in names, active inputs (``input.CODE``), custom fields (``custom.CODE``),
  accumulators (``ytd.CODE``), the other active concepts' codes and their tags
  (``total.TAG``), and the rate tables in force today or later (latest version per code).
* :func:`evaluate_concept` — the web test panel: evaluates a version's condition and formula
  on the given values (numbers not given are 0; other types must be given), applies floor and
  cap and rounds once to the currency's minor unit (0.01 HALF_UP when none is given), like
  the engine does for one line. Returns the amount and the core
  :class:`~coati_payroll.core.results.Trace`.
* Test cases (``name``, ``inputs`` name → text value, ``expected`` amount) belong to the
  concept, not to a version: every new version must pass them before approval
  (:func:`run_test_cases`).
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core import model as core
from coati_payroll.core.errors import FormulaError
from coati_payroll.core.formula import TABLE_HITS, CompiledFormula, compile_formula
from coati_payroll.core.formula.scope import ValueType
from coati_payroll.core.formula.tables import Table, TableHit, TableRow
from coati_payroll.core.money import CALCULATION_CONTEXT, Currency, RoundingPolicy
from coati_payroll.core.results import Trace
from coati_payroll.core.vocabulary import PayrollScope, build_scope
from coati_payroll.db.models import (
    AccumulatorDefinition,
    Concept,
    ConceptStatus,
    ConceptTestCase,
    ConceptVersion,
    CustomFieldDefinition,
    InputDefinition,
    RateTable,
)
from coati_payroll.db.models import Currency as CurrencyRow
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.custom_fields import parse_field_value
from coati_payroll.services.employees import money_problem
from coati_payroll.services.errors import InvalidInput, NotFound

_FIELD_TYPE = {ValueType.NUMBER: core.FieldType.NUMBER, ValueType.TEXT: core.FieldType.TEXT,
               ValueType.DATE: core.FieldType.DATE, ValueType.BOOLEAN: core.FieldType.BOOLEAN}


@dataclass(frozen=True, slots=True)
class TestResult:
    """One stored case run against a version: ``actual`` is None when evaluation failed
    (``message`` says why)."""

    __test__ = False  # not a pytest class

    case: ConceptTestCase
    passed: bool
    actual: Decimal | None
    message: str


def formula_problem(error: FormulaError) -> str:
    """``line L, column C: message`` for a problems dict."""
    return f"line {error.line}, column {error.column}: {error.message}"


def formula_position(error: FormulaError) -> dict[str, Any]:
    return {"code": error.code, "position": error.position, "line": error.line,
            "column": error.column}


def _latest_tables(session: Session) -> dict[str, Table]:
    rows: dict[str, RateTable] = {}
    for table in session.scalars(sa.select(RateTable).order_by(RateTable.effective_from)):
        rows[table.code] = table  # the latest effective_from wins
    return {code: Table(code, t.kind, tuple(TableRow(r.lower, r.upper, r.rate, r.fixed)
                                            for r in t.rows), t.upper_inclusive)
            for code, t in rows.items()}


def installation_scope(session: Session, *, exclude: str | None = None) -> PayrollScope:
    """The names concept formulas may read (see the module docstring); ``exclude`` leaves out
    one concept code (a concept may not read itself)."""
    concepts = []
    for concept in session.scalars(sa.select(Concept).where(Concept.active.is_(True))):
        if concept.code == exclude:
            continue
        latest = concept.versions[-1] if concept.versions else None
        tags = frozenset(latest.tags or ()) if latest is not None else frozenset()
        concepts.append(core.Concept(concept.code, concept.kind, "0", tags=tags))
    fields = {
        d.code: core.CustomFieldDef(d.code, d.type) for d in session.scalars(
            sa.select(CustomFieldDefinition).where(CustomFieldDefinition.active.is_(True)))}
    inputs = {d.code: core.InputDef(d.code) for d in session.scalars(
        sa.select(InputDefinition).where(InputDefinition.active.is_(True)))}
    accumulators = tuple(core.Accumulator(d.code, d.amount) for d in session.scalars(
        sa.select(AccumulatorDefinition).where(AccumulatorDefinition.active.is_(True))))
    today = date.today()
    setup = core.PayrollSetup(
        currency=Currency("XXX"), period=core.PayPeriod(today, today),
        concepts=tuple(concepts), tables=_latest_tables(session), inputs=inputs,
        custom_fields=fields, accumulators=accumulators)
    return build_scope(setup)


def concept_scope(session: Session, code: str, loan: bool) -> PayrollScope:
    scope = installation_scope(session, exclude=code)
    return scope.for_loans() if loan else scope


def rounding_of(session: Session, currency_code: str | None) -> RoundingPolicy:
    """The rounding policy of ``currency_code`` (0.01 HALF_UP when None)."""
    if currency_code is None:
        return RoundingPolicy()
    row = session.scalar(sa.select(CurrencyRow).where(CurrencyRow.code == currency_code))
    if row is None:
        raise NotFound(f"no currency {currency_code}", currency=currency_code)
    return RoundingPolicy(row.minor_unit, row.rounding_mode)


def _values(scope: PayrollScope, names: set[str], inputs: Mapping[str, object],
            problems: dict[str, str]) -> dict[str, object]:
    env: dict[str, object] = {}
    for name, raw in inputs.items():
        value_type = scope.resolve(name)
        if value_type is None:
            problems[f"inputs.{name}"] = "unknown name"
            continue
        try:
            env[name] = parse_field_value(_FIELD_TYPE[value_type], raw)
        except ValueError as error:
            problems[f"inputs.{name}"] = str(error)
    for name in names - env.keys():
        if f"inputs.{name}" in problems:
            continue
        if scope.resolve(name) is ValueType.NUMBER:
            env[name] = Decimal(0)
        else:
            problems[f"inputs.{name}"] = f"a value is needed ({scope.resolve(name)})"
    return env


def _compile(version: ConceptVersion, scope: PayrollScope
             ) -> tuple[CompiledFormula, CompiledFormula | None]:
    try:
        formula = compile_formula(version.formula, scope, expected=ValueType.NUMBER)
    except FormulaError as error:
        raise InvalidInput("the formula does not compile", {"formula": formula_problem(error)},
                           positions={"formula": formula_position(error)}) from None
    condition = None
    if version.condition and version.condition.strip():
        try:
            condition = compile_formula(version.condition, scope, expected=ValueType.BOOLEAN)
        except FormulaError as error:
            raise InvalidInput("the condition does not compile",
                               {"condition": formula_problem(error)},
                               positions={"condition": formula_position(error)}) from None
    return formula, condition


def _evaluate(version: ConceptVersion, scope: PayrollScope, inputs: Mapping[str, object],
              rounding: RoundingPolicy) -> tuple[Decimal, Trace]:
    formula, condition = _compile(version, scope)
    problems: dict[str, str] = {}
    names = set(formula.names) | set(condition.names if condition else ())
    env = _values(scope, names, inputs, problems)
    if problems:
        raise InvalidInput("the values cannot be used", problems)
    values = tuple((name, env[name]) for name in formula.names)
    zero = rounding.round(Decimal(0))
    hits: list[TableHit] = []
    env[TABLE_HITS] = hits
    try:
        with decimal.localcontext(CALCULATION_CONTEXT):
            if condition is not None and not condition.evaluate(env):
                return zero, Trace(version.formula, values, (), None, "condition is false")
            raw = formula.evaluate(env)
    except FormulaError as error:
        raise InvalidInput("the formula cannot be evaluated",
                           {"formula": formula_problem(error)},
                           positions={"formula": formula_position(error)}) from None
    assert isinstance(raw, Decimal)
    if raw < 0:
        raise InvalidInput("the formula gives a negative amount", {
            "formula": f"computed a negative amount ({raw}); use max(0, ...)"})
    value, note = raw, ""
    if version.floor is not None and value < version.floor:
        value, note = version.floor, f"raised to the floor {version.floor}"
    if version.cap is not None and value > version.cap:
        value, note = version.cap, f"limited to the cap {version.cap}"
    return rounding.round(value), Trace(version.formula, values, tuple(hits), raw, note)


def evaluate_concept(session: Session, version: ConceptVersion, inputs: Mapping[str, object],
                     rounding: RoundingPolicy | None = None) -> tuple[Decimal, Trace]:
    """(rounded amount, trace) of ``version`` on ``inputs`` (see the module docstring).

    Raises InvalidInput for a formula that does not compile or fails to evaluate (problem
    ``formula``/``condition``, position in ``params["positions"]``), an unknown or badly
    typed value (``inputs.NAME``) or a negative amount."""
    scope = concept_scope(session, version.concept.code, version.loan)
    return _evaluate(version, scope, inputs, rounding or RoundingPolicy())


def run_test_cases(session: Session, version: ConceptVersion,
                   rounding: RoundingPolicy | None = None) -> list[TestResult]:
    """Every stored case of the version's concept, evaluated against ``version``."""
    scope = concept_scope(session, version.concept.code, version.loan)
    results = []
    for case in version.concept.test_cases:
        try:
            actual, _ = _evaluate(version, scope, case.inputs, rounding or RoundingPolicy())
        except InvalidInput as error:
            detail = "; ".join(f"{k}: {v}" for k, v in error.problems.items())
            results.append(TestResult(case, False, None, detail or error.message))
            continue
        passed = actual == case.expected
        results.append(TestResult(case, passed, actual, "" if passed else
                                  f"expected {format(case.expected.normalize(), 'f')}, "
                                  f"got {actual}"))
    return results


# -- stored cases ----------------------------------------------------------------------------

def _case_problems(session: Session, concept: Concept, name: str, inputs: Mapping[str, object],
                   expected: Decimal, case: ConceptTestCase | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not name or not name.strip() or len(name) > 100:
        problems["name"] = "1-100 characters"
    elif any(c.name == name.strip() and c is not case for c in concept.test_cases):
        problems["name"] = f"concept {concept.code} already has a case {name.strip()}"
    if problem := money_problem(expected):
        problems["expected"] = problem
    loan = bool(concept.versions and concept.versions[-1].loan)
    scope = concept_scope(session, concept.code, loan)
    _values(scope, set(), inputs, problems)
    return problems


def _stored_inputs(inputs: Mapping[str, object]) -> dict[str, str]:
    return {name: value if isinstance(value, str) else
            format(value, "f") if isinstance(value, Decimal) else
            ("true" if value else "false") if isinstance(value, bool) else
            value.isoformat() if isinstance(value, date) else str(value)
            for name, value in inputs.items()}


def _case_snapshot(case: ConceptTestCase) -> dict[str, Any]:
    return {"name": case.name, "inputs": case.inputs, "expected": case.expected}


def add_test_case(session: Session, actor: Actor, concept: Concept, name: str,
                  inputs: Mapping[str, object], expected: Decimal) -> ConceptTestCase:
    """Store a case: ``inputs`` maps formula names (``gross``, ``input.OT``, ``ytd.GROSS``,
    other concept codes) to values (text or typed), ``expected`` the rounded amount."""
    problems = _case_problems(session, concept, name, inputs, expected, None)
    if problems:
        raise InvalidInput("the test case cannot be saved", problems)
    case = ConceptTestCase(concept_id=concept.id, name=name.strip(),
                           inputs=_stored_inputs(inputs), expected=expected)
    session.add(case)
    session.flush()
    session.refresh(concept, ["test_cases"])
    audit.record(session, actor, "concept.test_case.create", "concept", concept.id, {},
                 _case_snapshot(case))
    return case


def update_test_case(session: Session, actor: Actor, case: ConceptTestCase, name: str,
                     inputs: Mapping[str, object], expected: Decimal) -> ConceptTestCase:
    problems = _case_problems(session, case.concept, name, inputs, expected, case)
    if problems:
        raise InvalidInput("the test case cannot be saved", problems)
    before = _case_snapshot(case)
    case.name, case.inputs, case.expected = name.strip(), _stored_inputs(inputs), expected
    session.flush()
    audit.record(session, actor, "concept.test_case.update", "concept", case.concept_id,
                 before, _case_snapshot(case))
    return case


def delete_test_case(session: Session, actor: Actor, case: ConceptTestCase) -> None:
    concept = case.concept
    before = _case_snapshot(case)
    session.delete(case)
    session.flush()
    session.refresh(concept, ["test_cases"])
    audit.record(session, actor, "concept.test_case.delete", "concept", concept.id, before, {})


def approved_versions(concept: Concept) -> list[ConceptVersion]:
    return [v for v in concept.versions if v.status is ConceptStatus.APPROVED]
