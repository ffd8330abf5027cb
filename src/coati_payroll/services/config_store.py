"""The database side of :mod:`coati_payroll.services.config_io`: reading the setup tables as
plain items, planning an import against them (what to add, what conflicts), compiling the
merged concepts with the engine, and writing the additions.

Items are the dictionaries the YAML document holds (decimals as canonical strings, dates as
``date``, enumerations as their values, keys without a value left out), so the database and a
document compare with ``==``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from coati_payroll.core.engine import compile_payroll
from coati_payroll.core.errors import ConfigurationError
from coati_payroll.core.formula.tables import TableKind
from coati_payroll.core.model import (
    Accumulator,
    Concept,
    ConceptKind,
    CustomFieldDef,
    FieldType,
    InputDef,
    PayPeriod,
    PayrollSetup,
    Periodicity,
    ProrationBasis,
    SalaryConversion,
    ShortfallPolicy,
)
from coati_payroll.core.money import Currency as CoreCurrency
from coati_payroll.db import models as m
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.custom_fields import parse_field_value

TYPE_INPUTS: Final = ("absence_days_input", "absence_hours_input", "hours_worked_input",
                      "days_worked_input")
#: The fields identifying an item of each section.
KEYS: Final[dict[str, tuple[str, ...]]] = {
    "currencies": ("code",), "exchange_rates": ("from", "to", "effective_date"),
    "payroll_types": ("code",), "inputs": ("code",), "custom_fields": ("code",),
    "accumulators": ("code",), "tables": ("code", "effective_from"), "concepts": ("code",),
    "companies": ("code",), "payroll_definitions": ("company", "code"),
}
Item = dict[str, Any]
Path = tuple[Any, ...]


def _num(value: Decimal | None) -> str | None:
    from coati_payroll.services.config_io import num

    return None if value is None else num(value)


def _clean(section: str, item: Item) -> Item:
    from coati_payroll.services.config_io import SPECS, clean

    return clean(item, SPECS[section])


def _value(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


# -- reading ----------------------------------------------------------------------------------

def read_setup(session: Session) -> dict[str, list[Item]]:
    """Every setup row as document items, sorted (see config_io)."""
    s = session
    out: dict[str, list[Item]] = {}
    out["currencies"] = [_clean("currencies", {
        "code": c.code, "name": c.name, "symbol": c.symbol, "minor_unit": _num(c.minor_unit),
        "rounding": c.rounding_mode, "active": c.active})
        for c in s.scalars(sa.select(m.Currency).order_by(m.Currency.code))]
    out["exchange_rates"] = [_clean("exchange_rates", {
        "from": r.from_code, "to": r.to_code, "effective_date": r.effective_date,
        "rate": _num(r.rate)}) for r in s.scalars(sa.select(m.ExchangeRate).order_by(
            m.ExchangeRate.from_code, m.ExchangeRate.to_code, m.ExchangeRate.effective_date))]
    out["payroll_types"] = [_clean("payroll_types", {
        "code": t.code, "name": t.name, "periodicity": _value(t.periodicity),
        "conversion": _value(t.conversion), "divisor": _num(t.divisor),
        "periods_per_year": t.periods_per_year, "proration": _value(t.proration),
        "days_per_month": _num(t.days_per_month), "hours_per_day": _num(t.hours_per_day),
        "fiscal_year_start_month": t.fiscal_year_start_month,
        **{name: getattr(t, name) for name in TYPE_INPUTS}, "active": t.active})
        for t in s.scalars(sa.select(m.PayrollType).order_by(m.PayrollType.code))]
    out["inputs"] = [_clean("inputs", {
        "code": i.code, "name": i.name, "default": _num(i.default), "active": i.active})
        for i in s.scalars(sa.select(m.InputDefinition).order_by(m.InputDefinition.code))]
    out["custom_fields"] = [_clean("custom_fields", {
        "code": f.code, "label": f.label, "type": _value(f.type), "default": f.default_value,
        "position": f.position, "active": f.active})
        for f in s.scalars(sa.select(m.CustomFieldDefinition).order_by(
            m.CustomFieldDefinition.position, m.CustomFieldDefinition.code))]
    out["accumulators"] = [_clean("accumulators", {
        "code": a.code, "name": a.name, "amount": a.amount, "active": a.active})
        for a in s.scalars(sa.select(m.AccumulatorDefinition).order_by(
            m.AccumulatorDefinition.code))]
    out["tables"] = [_clean("tables", {
        "code": t.code, "name": t.name, "kind": _value(t.kind),
        "upper_inclusive": t.upper_inclusive, "effective_from": t.effective_from,
        "rows": [_clean("table_rows", {"lower": _num(r.lower), "upper": _num(r.upper),
                                       "rate": _num(r.rate), "fixed": _num(r.fixed)})
                 for r in t.rows]})
        for t in s.scalars(sa.select(m.RateTable).options(selectinload(m.RateTable.rows))
                           .order_by(m.RateTable.code, m.RateTable.effective_from))]
    out["concepts"] = [_concept_item(c) for c in s.scalars(
        sa.select(m.Concept).options(selectinload(m.Concept.versions),
                                     selectinload(m.Concept.test_cases))
        .order_by(m.Concept.code))]
    companies = {c.id: c.code for c in s.scalars(sa.select(m.Company))}
    out["companies"] = [_clean("companies", {
        "code": c.code, "name": c.name, "legal_name": c.legal_name, "tax_id": c.tax_id,
        "active": c.active}) for c in s.scalars(sa.select(m.Company).order_by(m.Company.code))]
    types = {t.id: t.code for t in s.scalars(sa.select(m.PayrollType))}
    concepts = {c.id: c.code for c in s.scalars(sa.select(m.Concept))}
    definitions = s.scalars(sa.select(m.PayrollDefinition).options(
        selectinload(m.PayrollDefinition.concepts)))
    out["payroll_definitions"] = sorted((_clean("payroll_definitions", {
        "company": companies[d.company_id], "code": d.code, "name": d.name,
        "payroll_type": types[d.payroll_type_id], "currency": d.currency_code,
        "active": d.active,
        "concepts": sorted((_clean("definition_concepts", {
            "code": concepts[link.concept_id], "priority_override": link.priority_override})
            for link in d.concepts), key=lambda x: x["code"])})
        for d in definitions), key=lambda x: (x["company"], x["code"]))
    return out


def _concept_item(concept: m.Concept) -> Item:
    versions = [_clean("versions", {
        "version": v.version, "status": _value(v.status), "effective_from": v.effective_from,
        "formula": v.formula, "condition": v.condition, "priority": v.priority,
        "cap": _num(v.cap), "floor": _num(v.floor), "shortfall": _value(v.shortfall),
        "loan": v.loan, "tags": sorted(v.tags or []), "debit_account": v.debit_account,
        "credit_account": v.credit_account, "note": v.note})
        for v in concept.versions if v.status != m.ConceptStatus.DRAFT]
    cases = [_clean("test_cases", {
        "name": t.name, "inputs": {str(k): v if isinstance(v, str) else str(v)
                                   for k, v in (t.inputs or {}).items()},
        "expected": _num(t.expected)}) for t in concept.test_cases]
    return _clean("concepts", {"code": concept.code, "name": concept.name,
                               "kind": _value(concept.kind), "active": concept.active,
                               "versions": versions, "test_cases": cases})


# -- planning ---------------------------------------------------------------------------------

@dataclass
class ImportPlan:
    """What an import adds. ``add`` holds whole new items per section; ``add_children`` the
    new versions, test cases and concept links of items that already exist, as
    (section, parent key, child list name, child item). ``merged`` is the setup after the
    import; ``origin`` maps compile subjects to document paths."""

    add: dict[str, list[Item]] = field(default_factory=dict)
    add_children: list[tuple[str, tuple[Any, ...], str, Item]] = field(default_factory=list)
    merged: dict[str, list[Item]] = field(default_factory=dict)
    problems: list[tuple[Path, str]] = field(default_factory=list)
    origin: dict[Any, Path] = field(default_factory=dict)


_CHILDREN: Final = {"concepts": (("versions", "version"), ("test_cases", "name")),
                    "payroll_definitions": (("concepts", "code"),)}


def _differences(new: Item, old: Item, skip: Iterable[str] = ()) -> list[str]:
    keys = [k for k in dict.fromkeys([*old, *new]) if k not in skip]
    return [f"{k}: {new.get(k)!r} here, {old.get(k)!r} in the database"
            for k in keys if new.get(k) != old.get(k)]


def draft_versions(session: Session) -> set[tuple[str, int]]:
    """(concept code, version number) of the draft versions (not exported, but taken)."""
    rows = session.execute(sa.select(m.Concept.code, m.ConceptVersion.version).join(
        m.ConceptVersion).where(m.ConceptVersion.status == m.ConceptStatus.DRAFT))
    return {(code, version) for code, version in rows}


def plan_import(sections: dict[str, list[Item]], existing: dict[str, list[Item]],
                drafts: set[tuple[str, int]] | None = None) -> ImportPlan:
    """What importing ``sections`` into a database holding ``existing`` (and the draft
    versions ``drafts``) adds, and the conflicts."""
    drafts = drafts or set()
    plan = ImportPlan(merged={name: list(items) for name, items in existing.items()})
    for section, items in sections.items():
        key_fields = KEYS[section]
        stored = {tuple(i[k] for k in key_fields): i for i in existing.get(section, [])}
        seen: dict[tuple[Any, ...], int] = {}
        plan.add[section] = []
        for index, item in enumerate(items):
            key = tuple(item[k] for k in key_fields)
            path = (section, index)
            if section == "concepts":
                plan.origin.update({("concept", item["code"], v["version"]):
                                    (*path, "versions", n) for n, v in enumerate(item["versions"])})
            elif section in ("accumulators", "tables"):
                plan.origin[(section, *key)] = path
            if key in seen:
                plan.problems.append(((*path, key_fields[-1]),
                                      f"appears twice (first as item {seen[key]})"))
                continue
            seen[key] = index
            old = stored.get(key)
            if old is None:
                plan.add[section].append(item)
                plan.merged[section].append(item)
                continue
            children = _CHILDREN.get(section, ())
            differences = _differences(item, old, [name for name, _ in children])
            if differences:
                plan.problems.append((path, "already exists in the database with different "
                                      "values (an import never overwrites): "
                                      + "; ".join(differences)))
            for name, child_key in children:
                old_children = {c[child_key]: c for c in old.get(name, [])}
                for number, child in enumerate(item.get(name, [])):
                    before = old_children.get(child[child_key])
                    if name == "versions" and (key[0], child["version"]) in drafts:
                        plan.problems.append(((*path, name, number, "version"), (
                            f"version {child['version']} of {key[0]} is a draft in the "
                            "database; approve or reject it, or number this one higher")))
                    elif before is None:
                        plan.add_children.append((section, key, name, child))
                        old.setdefault(name, []).append(child)
                    elif before != child:
                        plan.problems.append(((*path, name, number), "already exists in the "
                                              "database with different values: "
                                              + "; ".join(_differences(child, before))))
    for section, items in sections.items():
        _check_references(plan, section, items)
    return plan


def _check_references(plan: ImportPlan, section: str, items: list[Item]) -> None:
    """References of the document's items, against the merged setup (sections are read in
    dependency order, so what they name is merged already)."""
    known = {name: {i["code"] for i in plan.merged.get(name, [])}
             for name in ("currencies", "payroll_types", "inputs", "concepts", "companies")}

    def need(path: Path, value: Any, name: str, what: str) -> None:
        if value is not None and value not in known[name]:
            plan.problems.append((path, f"no {what} {value!r} (in this file or the database)"))

    for index, item in enumerate(items):
        path = (section, index)
        if section == "exchange_rates":
            need((*path, "from"), item["from"], "currencies", "currency")
            need((*path, "to"), item["to"], "currencies", "currency")
            if item["from"] == item["to"]:
                plan.problems.append(((*path, "to"), "a rate needs two different currencies"))
        elif section == "payroll_types":
            for name in TYPE_INPUTS:
                need((*path, name), item.get(name), "inputs", "input")
        elif section == "payroll_definitions":
            need((*path, "company"), item["company"], "companies", "company")
            need((*path, "payroll_type"), item["payroll_type"], "payroll_types", "payroll type")
            need((*path, "currency"), item["currency"], "currencies", "currency")
            for number, link in enumerate(item.get("concepts", [])):
                need((*path, "concepts", number, "code"), link["code"], "concepts", "concept")


# -- compiling --------------------------------------------------------------------------------

class CompileFailure(Exception):
    """The merged setup does not compile at ``day``; ``key`` names the failing item as in
    :attr:`ImportPlan.origin` (None when unknown)."""

    def __init__(self, error: ConfigurationError, key: Any, day: date) -> None:
        super().__init__(str(error))
        self.error, self.key, self.day = error, key, day


def compile_check(merged: dict[str, list[Item]]) -> None:
    """Compile the approved concepts in force at every effective date of a version or table,
    with the tables, inputs, custom fields and active accumulators. Raises CompileFailure."""
    days = sorted({v["effective_from"] for c in merged["concepts"] for v in c["versions"]
                   if v.get("status") == "approved"} | {t["effective_from"]
                                                       for t in merged["tables"]})
    inputs = {i["code"]: InputDef(i["code"], i["name"], Decimal(i["default"]))
              for i in merged["inputs"]}
    fields = {f["code"]: CustomFieldDef(
        f["code"], FieldType(f["type"]), None if "default" not in f
        else parse_field_value(FieldType(f["type"]), f["default"]))
        for f in merged["custom_fields"]}
    accumulators = tuple(Accumulator(a["code"], a["amount"]) for a in merged["accumulators"]
                         if a.get("active", True))
    from coati_payroll.services.config_io import table_of

    for day in days:
        in_force: dict[str, tuple[Item, Item]] = {}
        for concept in merged["concepts"]:
            candidates = [v for v in concept["versions"] if v.get("status") == "approved"
                          and v["effective_from"] <= day]
            if candidates and concept.get("active", True):
                in_force[concept["code"]] = (concept, max(
                    candidates, key=lambda v: (v["effective_from"], v["version"])))
        tables: dict[str, Item] = {}
        for table in sorted(merged["tables"], key=lambda t: t["effective_from"]):
            if table["effective_from"] <= day:
                tables[table["code"]] = table
        setup = PayrollSetup(
            currency=CoreCurrency("XXX"), period=PayPeriod(day, day),
            concepts=tuple(_core_concept(c, v) for c, v in in_force.values()),
            tables=MappingProxyType({code: table_of(t) for code, t in tables.items()}),
            inputs=MappingProxyType(inputs), custom_fields=MappingProxyType(fields),
            accumulators=accumulators)
        try:
            compile_payroll(setup)
        except ConfigurationError as error:
            subject = error.subject
            key: Any = None
            if subject in in_force:
                key = ("concept", subject, in_force[subject][1]["version"])
            elif subject in tables:
                key = ("tables", subject, tables[subject]["effective_from"])
            elif any(a.code == subject for a in accumulators):
                key = ("accumulators", subject)
            raise CompileFailure(error, key, day) from None


def _core_concept(concept: Item, version: Item) -> Concept:
    return Concept(
        code=concept["code"], kind=ConceptKind(concept["kind"]), formula=version["formula"],
        name=concept["name"], priority=version.get("priority", 0),
        condition=version.get("condition"),
        cap=Decimal(version["cap"]) if "cap" in version else None,
        floor=Decimal(version["floor"]) if "floor" in version else None,
        shortfall=ShortfallPolicy(version.get("shortfall", "partial")),
        loan=version.get("loan", False), tags=frozenset(version.get("tags", [])))


# -- writing ----------------------------------------------------------------------------------

def _dec(item: Item, key: str) -> Decimal | None:
    return Decimal(item[key]) if key in item else None


def write(session: Session, actor: Actor, plan: ImportPlan) -> dict[str, int]:
    """Add the planned items (in the caller's transaction); one audit entry per item."""
    s = session
    counts = {section: len(items) for section, items in plan.add.items()}
    add = plan.add

    def record(kind: str, entity: Any, item: Item) -> None:
        audit.record(s, actor, "config.import", kind, entity, {}, item)

    for item in add.get("currencies", []):
        s.add(m.Currency(code=item["code"], name=item["name"], symbol=item.get("symbol"),
                         minor_unit=Decimal(item["minor_unit"]), rounding_mode=item["rounding"],
                         active=item["active"]))
        record("currency", item["code"], item)
    s.flush()
    for item in add.get("exchange_rates", []):
        s.add(m.ExchangeRate(from_code=item["from"], to_code=item["to"],
                             effective_date=item["effective_date"], rate=Decimal(item["rate"])))
        record("exchange_rate", f"{item['from']}/{item['to']}", item)
    for item in add.get("payroll_types", []):
        s.add(m.PayrollType(
            code=item["code"], name=item["name"], periodicity=Periodicity(item["periodicity"]),
            conversion=SalaryConversion(item["conversion"]) if "conversion" in item else None,
            divisor=_dec(item, "divisor"), periods_per_year=item.get("periods_per_year"),
            proration=ProrationBasis(item["proration"]),
            days_per_month=Decimal(item["days_per_month"]),
            hours_per_day=Decimal(item["hours_per_day"]),
            fiscal_year_start_month=item["fiscal_year_start_month"], active=item["active"],
            **{name: item.get(name) for name in TYPE_INPUTS}))
        record("payroll_type", item["code"], item)
    for item in add.get("inputs", []):
        s.add(m.InputDefinition(code=item["code"], name=item["name"],
                                default=Decimal(item["default"]), active=item["active"]))
        record("input", item["code"], item)
    for item in add.get("custom_fields", []):
        s.add(m.CustomFieldDefinition(code=item["code"], label=item["label"],
                                      type=FieldType(item["type"]),
                                      default_value=item.get("default"),
                                      position=item["position"], active=item["active"]))
        record("custom_field", item["code"], item)
    for item in add.get("accumulators", []):
        s.add(m.AccumulatorDefinition(code=item["code"], name=item["name"],
                                      amount=item["amount"], active=item["active"]))
        record("accumulator", item["code"], item)
    for item in add.get("tables", []):
        table = m.RateTable(code=item["code"], name=item["name"], kind=TableKind(item["kind"]),
                            upper_inclusive=item["upper_inclusive"],
                            effective_from=item["effective_from"])
        table.rows = [m.RateTableRow(position=n, lower=Decimal(r["lower"]),
                                     upper=_dec(r, "upper"), rate=Decimal(r["rate"]),
                                     fixed=Decimal(r["fixed"])) for n, r in enumerate(item["rows"])]
        s.add(table)
        record("rate_table", item["code"], item)
    for item in add.get("concepts", []):
        concept = m.Concept(code=item["code"], name=item["name"],
                            kind=ConceptKind(item["kind"]), active=item["active"])
        s.add(concept)
        _concept_children(concept, item.get("versions", []), item.get("test_cases", []))
        record("concept", item["code"], item)
    s.flush()
    concepts = {c.code: c for c in s.scalars(sa.select(m.Concept))}
    for section, key, name, child in plan.add_children:
        if section == "concepts":
            versions = [child] if name == "versions" else []
            _concept_children(concepts[key[0]], versions, [child] if not versions else [])
            record("concept", key[0], {name: [child]})
    for item in add.get("companies", []):
        s.add(m.Company(code=item["code"], name=item["name"], legal_name=item.get("legal_name"),
                        tax_id=item.get("tax_id"), active=item["active"]))
        record("company", item["code"], item)
    s.flush()
    companies = {c.code: c.id for c in s.scalars(sa.select(m.Company))}
    types = {t.code: t.id for t in s.scalars(sa.select(m.PayrollType))}
    definitions = {(d.company_id, d.code): d for d in s.scalars(sa.select(m.PayrollDefinition))}
    for item in add.get("payroll_definitions", []):
        definition = m.PayrollDefinition(
            company_id=companies[item["company"]], code=item["code"], name=item["name"],
            payroll_type_id=types[item["payroll_type"]], currency_code=item["currency"],
            active=item["active"])
        s.add(definition)
        definitions[(definition.company_id, definition.code)] = definition
        record("payroll_definition", f"{item['company']}/{item['code']}", item)
    s.flush()
    links = [(definitions[(companies[item["company"]], item["code"])], link)
             for item in add.get("payroll_definitions", []) for link in item.get("concepts", [])]
    links += [(definitions[(companies[key[0]], key[1])], child)
              for section, key, name, child in plan.add_children
              if section == "payroll_definitions"]
    for definition, link in links:
        s.add(m.DefinitionConcept(definition_id=definition.id,
                                  concept_id=concepts[link["code"]].id,
                                  priority_override=link.get("priority_override")))
    s.flush()
    counts["concept_versions_and_links"] = len(plan.add_children)
    return counts


def _concept_children(concept: m.Concept, versions: list[Item], cases: list[Item]) -> None:
    for v in versions:
        concept.versions.append(m.ConceptVersion(
            version=v["version"], status=m.ConceptStatus(v["status"]),
            effective_from=v["effective_from"], formula=v["formula"],
            condition=v.get("condition"), priority=v["priority"], cap=_dec(v, "cap"),
            floor=_dec(v, "floor"), shortfall=ShortfallPolicy(v["shortfall"]), loan=v["loan"],
            tags=v.get("tags"), debit_account=v.get("debit_account"),
            credit_account=v.get("credit_account"), note=v.get("note")))
    for t in cases:
        concept.test_cases.append(m.ConceptTestCase(name=t["name"], inputs=t.get("inputs", {}),
                                                    expected=Decimal(t["expected"])))
