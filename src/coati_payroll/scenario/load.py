"""Loading a scenario file: YAML → validated core snapshots → a compiled payroll.

:func:`load_scenario` reads the document (see docs/scenarios.md), validates every key, builds the
:class:`~coati_payroll.core.model.PayrollSetup` and employees, and compiles the setup with the
engine so that formula and configuration mistakes are reported against the file too. Anything
wrong raises :class:`~coati_payroll.scenario.schema.ScenarioError` naming file, line and key
path; nothing is computed yet (see :func:`coati_payroll.scenario.run.run_scenario`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from coati_payroll.core.engine import CompiledPayroll, compile_payroll
from coati_payroll.core.errors import ConceptFormulaError, ConfigurationError
from coati_payroll.core.model import (
    Employee,
    FieldValue,
    Loan,
    PayBasis,
    PayrollSetup,
)
from coati_payroll.core.results import BASE_LINE
from coati_payroll.scenario import schema
from coati_payroll.scenario.expected import Expectation, parse_expectation
from coati_payroll.scenario.schema import At, Invalid, Problem, Problems, ScenarioError
from coati_payroll.scenario.setup_reader import SourceMap, field_value, read_setup
from coati_payroll.scenario.yaml_source import MapNode, Scalar, YamlSourceError, parse_yaml

TOP_KEYS = ("name", "description", "setup", "employees")
EMPLOYEE_KEYS = ("name", "termination_date", "salary_currency", "pay_basis", "fields", "inputs",
                 "loans", "ytd", "expected")


@dataclass(frozen=True)
class Scenario:
    """A loaded scenario: the setup, its employees (in file order), their expectations by
    employee id, and the compiled payroll ready to compute."""

    name: str
    description: str
    source: str
    setup: PayrollSetup
    employees: tuple[Employee, ...]
    expectations: Mapping[str, Expectation]
    compiled: CompiledPayroll


def load_scenario(path: str | Path) -> Scenario:
    """Load the scenario file at ``path``; the messages name the file by its base name.

    Raises :class:`ScenarioError` (also for a file that cannot be read or decoded).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(path.name, [Problem(0, "", f"cannot read the file: {error}")]) \
            from None
    return load_scenario_text(text, source=path.name, default_name=path.stem)


def load_scenario_text(text: str, source: str = "<scenario>",
                       default_name: str = "scenario") -> Scenario:
    """Load a scenario from YAML ``text``; ``source`` names it in messages."""
    try:
        root = parse_yaml(text)
    except YamlSourceError as error:
        raise ScenarioError(source, [Problem(error.line, "", error.message)]) from None
    if root is None:
        raise ScenarioError(source, [Problem(1, "", "the file is empty")])
    problems = Problems(source)
    top_at = At(root, "")
    try:
        keys = schema.mapping(top_at, required=("setup", "employees"), optional=TOP_KEYS)
    except Invalid as invalid:
        raise ScenarioError(source, [invalid.problem]) from None
    name = default_name
    description = ""
    with problems.guard():
        if "name" in keys:
            name = schema.text(keys["name"])
        if "description" in keys:
            description = schema.text(keys["description"])
    setup: PayrollSetup | None = None
    where = SourceMap()
    with problems.guard():
        setup, where = read_setup(keys["setup"], problems)
    problems.raise_if_any()
    assert setup is not None
    employees, expectations = _employees(keys["employees"], setup, problems)
    problems.raise_if_any()
    compiled = _compile(setup, where, source, keys["setup"])
    return Scenario(name, description, source, setup, tuple(employees),
                    MappingProxyType(expectations), compiled)


# -- employees --------------------------------------------------------------------------------

def _employees(at: At, setup: PayrollSetup,
               problems: Problems) -> tuple[list[Employee], dict[str, Expectation]]:
    employees: list[Employee] = []
    expectations: dict[str, Expectation] = {}
    first_line: dict[str, int] = {}
    try:
        items = schema.sequence(at)
    except Invalid as invalid:
        problems.items.append(invalid.problem)
        return employees, expectations
    for item in items:
        with problems.guard():
            keys = schema.mapping(item, required=("id", "hire_date", "salary"),
                                  optional=EMPLOYEE_KEYS)
            employee_id = schema.text(keys["id"])
            if employee_id in first_line:
                keys["id"].fail(f"duplicate employee id {employee_id!r} (first on line "
                                f"{first_line[employee_id]})")
            first_line[employee_id] = keys["id"].line
            employee = _employee(employee_id, keys, setup)
            employees.append(employee)
            if "expected" in keys:
                expectations[employee_id] = parse_expectation(
                    keys["expected"], employee_id,
                    line_codes={BASE_LINE, *(c.code for c in setup.concepts)},
                    accumulators={a.code for a in setup.accumulators},
                    loan_ids={loan.id for loan in employee.loans})
    return employees, expectations


def _expects_failure(keys: dict[str, At]) -> bool:
    """True when the employee's ``expected`` block says the payslip must fail."""
    node = keys["expected"].node if "expected" in keys else None
    if not isinstance(node, MapNode):
        return False
    status = node.entries.get("status")
    return "failure" in node.entries or (
        status is not None and isinstance(status.value, Scalar) and status.value.text == "error")


def _employee(employee_id: str, keys: dict[str, At], setup: PayrollSetup) -> Employee:
    # Undeclared inputs and fields are typos, except for an employee expected to fail: there
    # they reach the engine, so that its unknown_input error can be tested.
    lenient = _expects_failure(keys)
    hire = schema.day(keys["hire_date"])
    termination = schema.day(keys["termination_date"]) if "termination_date" in keys else None
    if termination is not None and termination < hire:
        keys["termination_date"].fail(f"{termination} is before the hire date {hire}")
    return Employee(
        id=employee_id,
        hire_date=hire,
        salary=schema.amount(keys["salary"], non_negative=True),
        name=schema.text(keys["name"]) if "name" in keys else "",
        termination_date=termination,
        salary_currency=schema.currency_code(keys["salary_currency"])
        if "salary_currency" in keys else None,
        pay_basis=schema.choice(keys["pay_basis"], PayBasis) if "pay_basis" in keys
        else PayBasis.MONTHLY,
        fields=MappingProxyType(_fields(keys["fields"], setup, lenient)) if "fields" in keys
        else MappingProxyType({}),
        inputs=MappingProxyType(_inputs(keys["inputs"], setup, lenient)) if "inputs" in keys
        else MappingProxyType({}),
        loans=_loans(keys["loans"], setup) if "loans" in keys else (),
        ytd=MappingProxyType(_ytd(keys["ytd"], setup)) if "ytd" in keys
        else MappingProxyType({}),
    )


def _known(at: At, key: str, known: Mapping[str, object] | set[str], what: str) -> None:
    if key not in known:
        node = at.node
        line = node.entries[key].line if isinstance(node, MapNode) else at.line
        names = ", ".join(sorted(known)) or "none"
        raise Invalid(line, schema.join(at.path, key),
                      f"{key!r} is not a declared {what} (declared: {names})")


def _fields(at: At, setup: PayrollSetup, lenient: bool) -> dict[str, FieldValue]:
    values: dict[str, FieldValue] = {}
    for code, value in schema.entries(at):
        definition = setup.custom_fields.get(code)
        if definition is None:
            if not lenient:
                _known(at, code, setup.custom_fields, "custom field (setup.custom_fields)")
            values[code] = schema.text(value)  # the engine ignores undeclared fields
            continue
        values[code] = field_value(value, definition.type)
    return values


def _inputs(at: At, setup: PayrollSetup, lenient: bool) -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for code, value in schema.entries(at):
        if not lenient:
            _known(at, code, setup.inputs, "input (setup.inputs)")
        values[code] = schema.amount(value)
    return values


def _ytd(at: At, setup: PayrollSetup) -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for code, value in schema.entries(at):
        _known(at, code, {a.code for a in setup.accumulators}, "accumulator")
        values[code] = schema.amount(value)
    return values


def _loans(at: At, setup: PayrollSetup) -> tuple[Loan, ...]:
    loan_concepts = {c.code for c in setup.concepts if c.loan}
    loans: list[Loan] = []
    for item in schema.sequence(at):
        keys = schema.mapping(item, required=("id", "concept", "installment", "balance"))
        loan_id = schema.text(keys["id"])
        if any(loan.id == loan_id for loan in loans):
            keys["id"].fail(f"duplicate loan id {loan_id!r}")
        concept = schema.text(keys["concept"])
        if concept not in loan_concepts:
            keys["concept"].fail(
                f"{concept!r} is not a loan deduction (concepts with loan: true: "
                f"{', '.join(sorted(loan_concepts)) or 'none'})")
        loans.append(Loan(loan_id, concept,
                          schema.amount(keys["installment"], non_negative=True),
                          schema.amount(keys["balance"], non_negative=True)))
    return tuple(loans)


# -- compiling --------------------------------------------------------------------------------

def _compile(setup: PayrollSetup, where: SourceMap, source: str,
             setup_at: At) -> CompiledPayroll:
    try:
        return compile_payroll(setup)
    except ConceptFormulaError as error:
        raise ScenarioError(source, [_formula_problem(error, where, setup_at)]) from None
    except ConfigurationError as error:
        at = (where.concepts.get(error.subject) or where.accumulators.get(error.subject)
              or where.tables.get(error.subject) or where.sections.get(error.subject)
              or setup_at)
        raise ScenarioError(source, [Problem(at.line, at.path, error.message)]) from None


def _formula_problem(error: ConceptFormulaError, where: SourceMap, setup_at: At) -> Problem:
    """Point at the formula's line in the file and at the position inside the formula."""
    owner = where.concepts.get(error.subject) or where.accumulators.get(error.subject)
    formula_error = error.formula_error
    position = f"formula line {formula_error.line}, column {formula_error.column}"
    if owner is None or not isinstance(owner.node, MapNode) \
            or error.field not in owner.node.entries:
        return Problem(setup_at.line, f"{setup_at.path}.{error.subject}",
                       f"{error.field}: {formula_error.message} ({position})")
    node = owner.node.entries[error.field].value
    line = node.line
    if isinstance(node, Scalar) and node.style == "|":
        line = node.line + formula_error.line  # literal block: content starts on the next line
    source_lines = formula_error.source.splitlines() or [""]
    shown = source_lines[min(formula_error.line, len(source_lines)) - 1]
    caret = " " * (formula_error.column - 1) + "^"
    return Problem(line, f"{owner.path}.{error.field}",
                   f"{formula_error.message} ({position})\n    {shown}\n    {caret}")
