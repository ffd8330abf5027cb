"""The ``setup`` section of a scenario: currency, payroll type, period, inputs, custom fields,
tables, concepts and accumulators, turned into a :class:`~coati_payroll.core.model.PayrollSetup`.

Alongside the setup it returns a :class:`SourceMap` (where each concept, accumulator and table
was written) so that errors the engine raises later can point back at the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from coati_payroll.core.errors import TableError
from coati_payroll.core.formula.tables import Table, TableKind, TableRow
from coati_payroll.core.model import (
    Accumulator,
    Concept,
    ConceptKind,
    CustomFieldDef,
    FieldType,
    FieldValue,
    InputDef,
    PayPeriod,
    PayrollSetup,
    PayrollType,
    Periodicity,
    ProrationBasis,
    SalaryConversion,
    ShortfallPolicy,
)
from coati_payroll.core.money import ROUNDING_MODES, Currency, RoundingPolicy
from coati_payroll.scenario import schema
from coati_payroll.scenario.schema import At, Invalid, Problems
from coati_payroll.scenario.yaml_source import MapNode, Scalar, SeqNode

SETUP_KEYS = ("currency", "exchange_rates", "payroll_type", "period", "inputs", "custom_fields",
              "tables", "concepts", "accumulators")
PAYROLL_TYPE_INPUTS = ("absence_days_input", "absence_hours_input", "hours_worked_input",
                       "days_worked_input")
CONCEPT_KEYS = ("name", "priority", "condition", "cap", "floor", "shortfall", "loan", "tags",
                "description")


@dataclass
class SourceMap:
    """Where things were written: code → node (concepts and accumulators: their mapping)."""

    concepts: dict[str, At] = field(default_factory=dict)
    accumulators: dict[str, At] = field(default_factory=dict)
    tables: dict[str, At] = field(default_factory=dict)
    sections: dict[str, At] = field(default_factory=dict)


def read_setup(at: At, problems: Problems) -> tuple[PayrollSetup | None, SourceMap]:
    """Read the ``setup`` mapping; mistakes go to ``problems`` (the setup is None if any)."""
    where = SourceMap()
    keys = schema.mapping(at, required=("currency", "period", "concepts"), optional=SETUP_KEYS)
    where.sections = dict(keys)
    parts: dict[str, object] = {}
    readers = {
        "currency": _currency, "exchange_rates": _exchange_rates, "payroll_type": _payroll_type,
        "period": _period, "inputs": _inputs, "custom_fields": _custom_fields,
    }
    for name, reader in readers.items():
        if name in keys:
            with problems.guard():
                parts[name] = reader(keys[name])
    tables: dict[str, Table] = {}
    if "tables" in keys:
        with problems.guard():
            for name, table_at in schema.entries(keys["tables"]):
                where.tables[name] = table_at
                with problems.guard():
                    tables[name] = _table(name, table_at)
    concepts = _concepts(keys["concepts"], problems, where)
    accumulators = _accumulators(keys.get("accumulators"), problems, where)
    if problems.items:
        return None, where
    payroll_type = parts.get("payroll_type", PayrollType())
    assert isinstance(payroll_type, PayrollType)
    inputs = dict(parts.get("inputs", {}))  # type: ignore[call-overload]
    for name in PAYROLL_TYPE_INPUTS:  # the payroll type's inputs are declared implicitly
        input_code = getattr(payroll_type, name)
        if input_code is not None and input_code not in inputs:
            inputs[input_code] = InputDef(input_code, f"{name.removesuffix('_input')} "
                                          "(named by the payroll type)")
    setup = PayrollSetup(
        currency=parts["currency"],  # type: ignore[arg-type]
        period=parts["period"],  # type: ignore[arg-type]
        concepts=tuple(concepts),
        payroll_type=payroll_type,
        tables=MappingProxyType(tables),
        inputs=MappingProxyType(inputs),
        custom_fields=MappingProxyType(dict(parts.get("custom_fields", {}))),  # type: ignore[call-overload]
        accumulators=tuple(accumulators),
        exchange_rates=MappingProxyType(dict(parts.get("exchange_rates", {}))),  # type: ignore[call-overload]
    )
    return setup, where


def _currency(at: At) -> Currency:
    if isinstance(at.node, Scalar):
        return Currency(schema.currency_code(at))
    keys = schema.mapping(at, required=("code",), optional=("minor_unit", "rounding"))
    minor_unit = schema.amount(keys["minor_unit"], positive=True) if "minor_unit" in keys \
        else Decimal("0.01")
    mode = "HALF_UP"
    if "rounding" in keys:
        mode = schema.text(keys["rounding"]).upper()
        if mode not in ROUNDING_MODES:
            keys["rounding"].fail(f"{mode!r} is not one of: {', '.join(ROUNDING_MODES)}")
    return Currency(schema.currency_code(keys["code"]), RoundingPolicy(minor_unit, mode))


def _exchange_rates(at: At) -> dict[str, Decimal]:
    rates: dict[str, Decimal] = {}
    for code, value in schema.entries(at):
        schema.key_code(at, code, "currency code (three capital letters, e.g. EUR)",
                        schema.CURRENCY_PATTERN)
        rates[code] = schema.amount(value, positive=True)
    return rates


def _payroll_type(at: At) -> PayrollType:
    optional = ("conversion", "divisor", "periods_per_year", "proration", "days_per_month",
                "hours_per_day", "fiscal_year_start_month", *PAYROLL_TYPE_INPUTS)
    keys = schema.mapping(at, required=("periodicity",), optional=optional)
    values: dict[str, object] = {"periodicity": schema.choice(keys["periodicity"], Periodicity)}
    if "conversion" in keys:
        values["conversion"] = schema.choice(keys["conversion"], SalaryConversion)
    if "proration" in keys:
        values["proration"] = schema.choice(keys["proration"], ProrationBasis)
    for name in ("divisor", "days_per_month", "hours_per_day"):
        if name in keys:
            values[name] = schema.amount(keys[name], positive=True)
    if "periods_per_year" in keys:
        values["periods_per_year"] = schema.integer(keys["periods_per_year"], low=1)
    if "fiscal_year_start_month" in keys:
        values["fiscal_year_start_month"] = schema.integer(keys["fiscal_year_start_month"],
                                                           low=1, high=12)
    for name in PAYROLL_TYPE_INPUTS:
        if name in keys:
            values[name] = schema.code(keys[name], "input code")
    return PayrollType(**values)  # type: ignore[arg-type]


def _period(at: At) -> PayPeriod:
    keys = schema.mapping(at, required=("start", "end"), optional=("payment_date",))
    start, end = schema.day(keys["start"]), schema.day(keys["end"])
    if end < start:
        keys["end"].fail(f"the period ends ({end}) before it starts ({start})")
    payment = schema.day(keys["payment_date"]) if "payment_date" in keys else None
    return PayPeriod(start, end, payment)


def _inputs(at: At) -> dict[str, InputDef]:
    if isinstance(at.node, SeqNode):
        codes = [schema.code(item, "input code") for item in schema.sequence(at)]
        return {code: InputDef(code) for code in codes}
    result: dict[str, InputDef] = {}
    for code, value in schema.entries(at):
        schema.key_code(at, code, "input code")
        if value.is_null:
            result[code] = InputDef(code)
            continue
        keys = schema.mapping(value, optional=("description", "default"))
        description = schema.text(keys["description"]) if "description" in keys else ""
        default = schema.amount(keys["default"]) if "default" in keys else Decimal(0)
        result[code] = InputDef(code, description, default)
    return result


def field_value(at: At, field_type: FieldType) -> FieldValue:
    """A custom-field value of ``field_type`` (number, text, date or boolean)."""
    if field_type is FieldType.NUMBER:
        return schema.amount(at)
    if field_type is FieldType.DATE:
        return schema.day(at)
    if field_type is FieldType.BOOLEAN:
        return schema.boolean(at)
    node = at.node
    if isinstance(node, Scalar) and node.value is None:
        return ""
    return schema.text(at)


def _custom_fields(at: At) -> dict[str, CustomFieldDef]:
    result: dict[str, CustomFieldDef] = {}
    for code, value in schema.entries(at):
        schema.key_code(at, code, "custom field code")
        node = value.node
        keys = schema.mapping(value, required=("type",), optional=("default", "description"))
        field_type = schema.choice(keys["type"], FieldType)
        default: FieldValue | None = None
        assert isinstance(node, MapNode)
        if "default" in node.entries:  # `default: ""` and `default: null` give an empty text
            default_at = At(node.entries["default"].value, f"{value.path}.default")
            if field_type is FieldType.TEXT or not default_at.is_null:
                default = field_value(default_at, field_type)
        description = schema.text(keys["description"]) if "description" in keys else ""
        result[code] = CustomFieldDef(code, field_type, default, description)
    return result


def _table(name: str, at: At) -> Table:
    keys = schema.mapping(at, required=("kind", "rows"), optional=("upper_inclusive",))
    kind = schema.choice(keys["kind"], TableKind)
    inclusive = schema.boolean(keys["upper_inclusive"]) if "upper_inclusive" in keys else True
    row_ats = schema.sequence(keys["rows"])
    rows = []
    for row_at in row_ats:
        row = schema.mapping(row_at, required=("lower",), optional=("upper", "rate", "fixed"))
        rows.append(TableRow(
            lower=schema.amount(row["lower"]),
            upper=schema.optional_amount(row.get("upper")),
            rate=schema.amount(row["rate"]) if "rate" in row else Decimal(0),
            fixed=schema.amount(row["fixed"]) if "fixed" in row else Decimal(0),
        ))
    try:
        return Table(name, kind, tuple(rows), inclusive)
    except TableError as error:
        row_number = error.params.get("row")
        place = row_ats[row_number - 1] if isinstance(row_number, int) and \
            0 < row_number <= len(row_ats) else keys["rows"]
        raise Invalid(place.line, place.path, error.message) from None


def _concepts(at: At, problems: Problems, where: SourceMap) -> list[Concept]:
    concepts: list[Concept] = []
    try:
        items = schema.sequence(at)
    except Invalid as invalid:
        problems.items.append(invalid.problem)
        return concepts
    for item in items:
        with problems.guard():
            keys = schema.mapping(item, required=("code", "kind", "formula"),
                                  optional=CONCEPT_KEYS)
            concept_code = schema.code(keys["code"], "concept code")
            if concept_code in where.concepts:
                keys["code"].fail(f"duplicate concept code {concept_code!r} (first on line "
                                  f"{where.concepts[concept_code].line})")
            where.concepts[concept_code] = item
            concepts.append(_concept(concept_code, keys))
    return concepts


def _concept(concept_code: str, keys: dict[str, At]) -> Concept:
    kind = schema.choice(keys["kind"], ConceptKind)
    loan = schema.boolean(keys["loan"]) if "loan" in keys else False
    if loan and kind is not ConceptKind.DEDUCTION:
        keys["loan"].fail("only a deduction can repay loans (kind is "
                          f"{kind.value})")
    condition = schema.text(keys["condition"]) if "condition" in keys else None
    return Concept(
        code=concept_code,
        kind=kind,
        formula=schema.text(keys["formula"]),
        name=schema.text(keys["name"]) if "name" in keys else concept_code,
        priority=schema.integer(keys["priority"]) if "priority" in keys else 0,
        condition=condition,
        cap=schema.optional_amount(keys.get("cap"), non_negative=True),
        floor=schema.optional_amount(keys.get("floor"), non_negative=True),
        shortfall=schema.choice(keys["shortfall"], ShortfallPolicy) if "shortfall" in keys
        else ShortfallPolicy.PARTIAL,
        loan=loan,
        tags=frozenset(schema.code_list(keys["tags"], "tag")) if "tags" in keys
        else frozenset(),
    )


def _accumulators(at: At | None, problems: Problems, where: SourceMap) -> list[Accumulator]:
    result: list[Accumulator] = []
    if at is None:
        return result
    try:
        items = schema.sequence(at)
    except Invalid as invalid:
        problems.items.append(invalid.problem)
        return result
    for item in items:
        with problems.guard():
            keys = schema.mapping(item, required=("code", "amount"), optional=("description",))
            acc_code = schema.code(keys["code"], "accumulator code")
            if acc_code in where.accumulators:
                keys["code"].fail(f"duplicate accumulator code {acc_code!r} (first on line "
                                  f"{where.accumulators[acc_code].line})")
            where.accumulators[acc_code] = item
            description = schema.text(keys["description"]) if "description" in keys else ""
            result.append(Accumulator(acc_code, schema.text(keys["amount"]), description))
    return result
