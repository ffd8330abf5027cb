"""The installation's setup as one YAML document (``payrollctl config export|import``).

The document uses the vocabulary of a scenario's ``setup`` (docs/scenarios.md: the same keys
for concepts, tables, payroll types, inputs, custom fields and accumulators), extended to what
a database holds: several currencies and dated exchange rates, payroll types and tables by
code, concepts with their numbered versions and test cases, companies and payroll
definitions. docs/cli.md describes every key. Sections, in writing order::

    config_version: 1
    currencies, exchange_rates, payroll_types, inputs, custom_fields, accumulators, tables,
    concepts (versions, test_cases), companies, payroll_definitions (concepts)

Export writes every row of those tables except draft concept versions (work in progress, not
yet governed), sorted by code, with amounts as exact decimal strings, defaults written out
and keys without a value left out. Employees, runs, loans and novelties are data, not setup.

Import (:func:`import_config`) reads and validates the **whole** document first — keys, types,
codes, decimals (no more places than the column stores), references between sections and to
rows already in the database, table contiguity, and every formula, by compiling the concepts
in force at each effective date with the engine — and reports every problem as
``file:line: path: message`` (:class:`~coati_payroll.scenario.schema.ScenarioError`). Only then
does it write, in the caller's transaction: nothing is written when anything is wrong.
Something already in the database with identical values is skipped (importing twice changes
nothing); with different values it is an error (the import never overwrites). Exporting, then
importing into an empty database and exporting again gives the same document.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

import yaml
from sqlalchemy.orm import Session

from coati_payroll.core.errors import ConceptFormulaError, TableError
from coati_payroll.core.formula.tables import Table, TableKind, TableRow
from coati_payroll.core.model import (
    ConceptKind,
    FieldType,
    Periodicity,
    ProrationBasis,
    SalaryConversion,
    ShortfallPolicy,
)
from coati_payroll.db.models import ConceptStatus
from coati_payroll.db.types import Money, Rate
from coati_payroll.scenario import schema
from coati_payroll.scenario.schema import At, Invalid, Problem, Problems, ScenarioError
from coati_payroll.scenario.yaml_source import YamlSourceError, parse_yaml
from coati_payroll.services import config_store
from coati_payroll.services.actor import Actor
from coati_payroll.services.custom_fields import field_value_text, parse_field_value

CONFIG_VERSION: Final = 1
_MONEY, _RATE = Money(), Rate()

Reader = Callable[[At], Any]


# -- values -----------------------------------------------------------------------------------

def num(value: Decimal) -> str:
    """The canonical text of a decimal: no exponent, no trailing zeros (``0.15``, ``100000``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _number(column: Money | Rate, positive: bool = False, non_negative: bool = False) -> Reader:
    def read(at: At) -> str:
        value = schema.amount(at, positive=positive, non_negative=non_negative)
        try:
            column.coerce(value)
        except ValueError as error:
            at.fail(str(error))
        return num(value)
    return read


def _choice(enum: Any) -> Reader:
    return lambda at: schema.choice(at, enum).value


def _integer(low: int | None = None, high: int | None = None) -> Reader:
    return lambda at: schema.integer(at, low=low, high=high)


def _limited(limit: int) -> Reader:
    def read(at: At) -> str:
        value = schema.text(at)
        if len(value) > limit:
            at.fail(f"at most {limit} characters")
        return value
    return read


def _code(what: str, limit: int = 40) -> Reader:
    def read(at: At) -> str:
        value = schema.code(at, what)
        if len(value) > limit:
            at.fail(f"at most {limit} characters")
        return value
    return read


def _rounding(at: At) -> str:
    from coati_payroll.core.money import ROUNDING_MODES

    value = schema.text(at).upper()
    if value not in ROUNDING_MODES:
        at.fail(f"{value!r} is not one of: {', '.join(ROUNDING_MODES)}")
    return value


def _tags(at: At) -> list[str]:
    return sorted(set(schema.code_list(at, "tag")))


def _test_inputs(at: At) -> dict[str, str]:
    return {key: schema.text(value) for key, value in schema.entries(at)}


TEXT, FORMULA, DAY, BOOL = _limited(200), schema.text, schema.day, schema.boolean
MONEY, RATE = _number(_MONEY), _number(_RATE)

#: Per section: (key, reader, default). A default of ... means required; None optional.
Spec = tuple[tuple[str, Reader | None, Any], ...]
SPECS: Final[dict[str, Spec]] = {
    "currencies": (("code", schema.currency_code, ...), ("name", _limited(100), ...),
                   ("symbol", _limited(10), None),
                   ("minor_unit", _number(_RATE, positive=True), "0.01"),
                   ("rounding", _rounding, "HALF_UP"), ("active", BOOL, True)),
    "exchange_rates": (("from", schema.currency_code, ...), ("to", schema.currency_code, ...),
                       ("effective_date", DAY, ...),
                       ("rate", _number(_RATE, positive=True), ...)),
    "payroll_types": (("code", _code("payroll type code"), ...), ("name", TEXT, ...),
                      ("periodicity", _choice(Periodicity), ...),
                      ("conversion", _choice(SalaryConversion), None),
                      ("divisor", _number(_RATE, positive=True), None),
                      ("periods_per_year", _integer(1), None),
                      ("proration", _choice(ProrationBasis), "calendar_days"),
                      ("days_per_month", _number(_RATE, positive=True), "30"),
                      ("hours_per_day", _number(_RATE, positive=True), "8"),
                      ("fiscal_year_start_month", _integer(1, 12), 1),
                      *((name, _code("input code"), None) for name in config_store.TYPE_INPUTS),
                      ("active", BOOL, True)),
    "inputs": (("code", _code("input code"), ...), ("name", TEXT, ...), ("default", RATE, "0"),
               ("active", BOOL, True)),
    "custom_fields": (("code", _code("custom field code"), ...), ("label", _limited(100), ...),
                      ("type", _choice(FieldType), ...), ("default", schema.text, None),
                      ("position", _integer(), 0), ("active", BOOL, True)),
    "accumulators": (("code", _code("accumulator code"), ...), ("name", TEXT, ...),
                     ("amount", FORMULA, ...), ("active", BOOL, True)),
    "tables": (("code", _code("table code"), ...), ("name", TEXT, ...),
               ("kind", _choice(TableKind), ...), ("upper_inclusive", BOOL, True),
               ("effective_from", DAY, ...), ("rows", None, ...)),
    "table_rows": (("lower", MONEY, ...), ("upper", MONEY, None), ("rate", RATE, "0"),
                   ("fixed", MONEY, "0")),
    "concepts": (("code", _code("concept code"), ...), ("name", TEXT, ...),
                 ("kind", _choice(ConceptKind), ...), ("active", BOOL, True),
                 ("versions", None, ...), ("test_cases", None, None)),
    "versions": (("version", _integer(1), ...), ("status", _choice(ConceptStatus), "approved"),
                 ("effective_from", DAY, ...), ("formula", FORMULA, ...),
                 ("condition", FORMULA, None), ("priority", _integer(), 0),
                 ("cap", _number(_MONEY, non_negative=True), None),
                 ("floor", _number(_MONEY, non_negative=True), None),
                 ("shortfall", _choice(ShortfallPolicy), "partial"), ("loan", BOOL, False),
                 ("tags", _tags, None), ("debit_account", _limited(64), None),
                 ("credit_account", _limited(64), None), ("note", schema.text, None)),
    "test_cases": (("name", _limited(100), ...), ("inputs", _test_inputs, {}),
                   ("expected", MONEY, ...)),
    "companies": (("code", _code("company code"), ...), ("name", TEXT, ...),
                  ("legal_name", TEXT, None), ("tax_id", _limited(64), None),
                  ("active", BOOL, True)),
    "payroll_definitions": (("company", _code("company code"), ...),
                            ("code", _code("payroll code"), ...), ("name", TEXT, ...),
                            ("payroll_type", _code("payroll type code"), ...),
                            ("currency", schema.currency_code, ...), ("active", BOOL, True),
                            ("concepts", None, None)),
    "definition_concepts": (("code", _code("concept code"), ...),
                            ("priority_override", _integer(), None)),
}
SECTIONS: Final = ("currencies", "exchange_rates", "payroll_types", "inputs", "custom_fields",
                   "accumulators", "tables", "concepts", "companies", "payroll_definitions")


def clean(item: dict[str, Any], spec: Spec) -> dict[str, Any]:
    """``item`` in spec order without None values, empty lists and empty mappings."""
    return {key: item[key] for key, _, _ in spec
            if key in item and item[key] is not None and item[key] != [] and item[key] != {}}


# -- export -----------------------------------------------------------------------------------

def export_document(session: Session) -> dict[str, Any]:
    """The database's setup as plain data (see the module docstring)."""
    document: dict[str, Any] = {"config_version": CONFIG_VERSION}
    for section, items in config_store.read_setup(session).items():
        document[section] = items
    return document


class _Dumper(yaml.SafeDumper):
    """Writes multi-line text (formulas, notes) as literal blocks."""


def _text_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text_representer)


def dump_yaml(document: dict[str, Any]) -> str:
    header = "# Coati Payroll setup (payrollctl config export); format in docs/cli.md\n"
    return header + yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                              default_flow_style=False, width=100)


def export_config(session: Session) -> str:
    """The setup as YAML text."""
    return dump_yaml(export_document(session))


# -- reading ----------------------------------------------------------------------------------

class _Reader:
    def __init__(self, source: str) -> None:
        self.problems = Problems(source)
        self.where: dict[tuple[Any, ...], At] = {}

    def item(self, at: At, section: str, where: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        spec = SPECS[section]
        try:
            keys = schema.mapping(at, required=[k for k, _, d in spec if d is ...],
                                  optional=[k for k, _, d in spec if d is not ...])
        except Invalid as invalid:
            self.problems.items.append(invalid.problem)
            return None
        item: dict[str, Any] = {}
        ok = True
        for key, reader, default in spec:
            if key not in keys:
                item[key] = default if default is not ... else None
            elif reader is not None:
                try:
                    item[key] = reader(keys[key])
                except Invalid as invalid:
                    self.problems.items.append(invalid.problem)
                    ok = False
            self.where[(*where, key)] = keys.get(key, at)
        self.where[where] = at
        nested = {"tables": ("rows", "table_rows"), "concepts": ("versions", "versions"),
                  "payroll_definitions": ("concepts", "definition_concepts")}
        children = [nested[section]] if section in nested else []
        if section == "concepts":
            children.append(("test_cases", "test_cases"))
        for key, child in children:
            item[key] = []
            if key in keys:
                try:
                    entries = schema.sequence(keys[key])
                except Invalid as invalid:
                    self.problems.items.append(invalid.problem)
                    ok = False
                    continue
                for index, entry in enumerate(entries):
                    parsed = self.item(entry, child, (*where, key, index))
                    ok = ok and parsed is not None
                    item[key].append(parsed)
        return clean(item, spec) if ok else None


def parse_document(text: str, source: str = "config.yaml"
                   ) -> tuple[dict[str, list[dict[str, Any]]], dict[tuple[Any, ...], At],
                              list[Problem]]:
    """Read and check the keys and values of a setup document (not yet its references).

    Returns the sections as export would write them, where each item was written, and the
    problems inside items (bad tables, defaults, version numbers). Raises ScenarioError for
    a document whose keys or values cannot be read."""
    try:
        root = parse_yaml(text)
    except YamlSourceError as error:
        raise ScenarioError(source, [Problem(error.line, "", error.message)]) from None
    if root is None:
        raise ScenarioError(source, [Problem(1, "", "the file is empty")])
    reader = _Reader(source)
    try:
        keys = schema.mapping(At(root, ""), required=("config_version",), optional=SECTIONS)
        schema.integer(keys["config_version"], low=CONFIG_VERSION, high=CONFIG_VERSION)
    except Invalid as invalid:
        raise ScenarioError(source, [invalid.problem]) from None
    sections: dict[str, list[dict[str, Any]]] = {}
    for section in SECTIONS:
        sections[section] = []
        if section not in keys:
            continue
        with reader.problems.guard():
            for index, entry in enumerate(schema.sequence(keys[section])):
                parsed = reader.item(entry, section, (section, index))
                if parsed is not None:
                    sections[section].append(parsed)
    reader.problems.raise_if_any()
    _check_values(sections, reader)
    return sections, reader.where, reader.problems.items


def _check_values(sections: dict[str, list[dict[str, Any]]], reader: _Reader) -> None:
    """Checks inside one item: custom field defaults, tables, loans, version numbers."""
    fail = reader.problems.add

    def at(*path: Any) -> At:
        return reader.where[path]

    for index, item in enumerate(sections["custom_fields"]):
        if "default" in item:
            field_type = FieldType(item["type"])
            try:
                item["default"] = field_value_text(
                    field_type, parse_field_value(field_type, item["default"]))
            except ValueError as error:
                where = at("custom_fields", index, "default")
                fail(where.line, where.path, str(error))
    for index, item in enumerate(sections["tables"]):
        try:
            table_of(item)
        except TableError as error:
            row = error.params.get("row")
            where = at("tables", index, "rows", row - 1) if isinstance(row, int) \
                else at("tables", index, "rows")
            fail(where.line, where.path, error.message)
    for index, item in enumerate(sections["concepts"]):
        seen: set[int] = set()
        for number, version in enumerate(item["versions"]):
            if version["version"] in seen:
                where = at("concepts", index, "versions", number, "version")
                fail(where.line, where.path, f"version {version['version']} appears twice")
            seen.add(version["version"])
            if version.get("loan") and item["kind"] != ConceptKind.DEDUCTION.value:
                where = at("concepts", index, "versions", number, "loan")
                fail(where.line, where.path,
                     f"only a deduction can repay loans (kind is {item['kind']})")


def table_of(item: dict[str, Any]) -> Table:
    """The core table of a ``tables`` item (raises TableError when its rows are malformed)."""
    rows = tuple(TableRow(Decimal(r["lower"]), Decimal(r["upper"]) if "upper" in r else None,
                          Decimal(r.get("rate", "0")), Decimal(r.get("fixed", "0")))
                 for r in item["rows"])
    return Table(item["code"], TableKind(item["kind"]), rows, item.get("upper_inclusive", True))


# -- import -----------------------------------------------------------------------------------

def import_config(session: Session, actor: Actor, text: str, source: str = "config.yaml"
                  ) -> dict[str, int]:
    """Validate the document ``text`` completely, then add what the database lacks.

    Returns the number of items added per section. Raises ScenarioError (nothing added)."""
    sections, where, problems = parse_document(text, source)
    existing = config_store.read_setup(session)
    plan = config_store.plan_import(sections, existing,
                                     config_store.draft_versions(session))
    problems += [_problem(where, path, message) for path, message in plan.problems]
    if not problems:
        try:
            config_store.compile_check(plan.merged)
        except config_store.CompileFailure as failure:
            problems.append(_compile_problem(failure, plan, where))
    if problems:
        raise ScenarioError(source, problems)
    return config_store.write(session, actor, plan)


def _problem(where: dict[tuple[Any, ...], At], path: tuple[Any, ...], message: str) -> Problem:
    while path and path not in where:
        path = path[:-1]
    at = where.get(path)
    if at is None:
        return Problem(0, "", message)
    return Problem(at.line, at.path, message)


def _compile_problem(failure: config_store.CompileFailure, plan: config_store.ImportPlan,
                     where: dict[tuple[Any, ...], At]) -> Problem:
    error = failure.error
    origin = plan.origin.get(failure.key)
    message = error.message
    field = ""
    if isinstance(error, ConceptFormulaError):
        formula_error = error.formula_error
        field = error.field
        message = (f"{formula_error.message} (formula line {formula_error.line}, column "
                   f"{formula_error.column})")
    message += f" (setup in force on {failure.day})"
    if origin is None:
        return Problem(0, error.subject, f"{field + ': ' if field else ''}{message} "
                                         "(in the database already)")
    return _problem(where, (*origin, field) if field else origin, message)
