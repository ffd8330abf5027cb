"""config_io: setup YAML ↔ database, validated first, all-or-nothing, round trip identical."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from coati_payroll.core.formula.tables import TableKind
from coati_payroll.core.model import ConceptKind, FieldType, Periodicity, SalaryConversion
from coati_payroll.db import models as m
from coati_payroll.scenario.schema import ScenarioError
from coati_payroll.services import config_io
from coati_payroll.services.actor import Actor

ACTOR = Actor.system("test")


def build_setup(factory) -> None:
    """A setup touching every exported table and optional column."""
    factory.currency(code="USD", symbol="$")
    factory.currency(code="JPY", minor_unit=Decimal("1"), rounding_mode="HALF_EVEN")
    factory.exchange_rate(from_code="JPY", to_code="USD", rate=Decimal("0.0067"))
    factory.input_definition(code="OVERTIME_HOURS", default=Decimal("0"))
    factory.input_definition(code="ABSENCE_DAYS", name="Absence", active=False)
    factory.payroll_type(code="BIWEEKLY", periodicity=Periodicity.BIWEEKLY,
                         conversion=SalaryConversion.DIVISOR, divisor=Decimal("2.1667"),
                         periods_per_year=26, absence_days_input="ABSENCE_DAYS",
                         fiscal_year_start_month=4)
    factory.custom_field(code="DEPT", type=FieldType.TEXT, default_value="", position=2)
    factory.custom_field(code="UNION", type=FieldType.BOOLEAN, default_value="false",
                         position=1)
    factory.accumulator(code="GROSS_YTD", amount="gross")
    factory.rate_table(code="TAX", name="Tax", effective_from=date(2025, 1, 1))
    factory.rate_table(code="TAX", name="Tax", effective_from=date(2026, 1, 1),
                       kind=TableKind.FLAT, upper_inclusive=False,
                       rows=[("0", "1000.5", "0.1", "0"), ("1000.5", None, "0.2", "12.25")])
    ss = factory.concept(code="SS", name="Social security", formula="min(gross, 10000) * 7%",
                         priority=1, cap=Decimal("700"), tags=["statutory", "ss"],
                         debit_account="5100", note="line one\nline two")
    factory.concept_version(concept=ss, formula="gross * 6%", status="retired",
                            effective_from=date(2025, 1, 1))
    factory.concept_version(concept=ss, formula="gross * 9%", status="draft")
    factory.concept_test_case(concept=ss, name="basic", inputs={"gross": "1000"},
                              expected=Decimal("70"))
    factory.concept(code="TAXES", kind=ConceptKind.DEDUCTION, priority=2,
                    formula='table("TAX", gross - SS)', condition="gross > 0",
                    shortfall="skip")
    loan = factory.concept(code="LOAN", formula="loan.installment", loan=True, priority=3)
    overtime = factory.concept(code="OVERTIME", kind=ConceptKind.EARNING,
                               formula="input.OVERTIME_HOURS * hourly_rate * 1.5")
    company = factory.company(code="ACME", name="Acme", tax_id="J-1")
    definition = factory.definition(company=company, code="BI", payroll_type_id=factory.session
                                    .scalar(sa.select(m.PayrollType.id)), currency_code="USD")
    factory.definition_concept(definition=definition, concept=ss, priority_override=5)
    factory.definition_concept(definition=definition, concept=loan)
    factory.definition_concept(definition=definition, concept=overtime)


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_round_trip_into_an_empty_database_is_identical(session, factory, engine):
    from tests.conftest import empty_tables

    build_setup(factory)
    session.commit()
    first = config_io.export_config(session)
    assert "status: draft" not in first and "gross * 9%" not in first
    assert "note: |-\n" in first or "note: |\n" in first
    session.close()
    empty_tables(engine)
    added = config_io.import_config(session, ACTOR, first, "setup.yaml")
    session.commit()
    assert added["concepts"] == 4 and added["payroll_definitions"] == 1
    assert config_io.export_config(session) == first
    versions = session.scalars(sa.select(m.ConceptVersion.formula).join(m.Concept).where(
        m.Concept.code == "SS").order_by(m.ConceptVersion.version)).all()
    assert versions == ["min(gross, 10000) * 7%", "gross * 6%"]
    assert count(session, m.AuditEntry) == sum(v for k, v in added.items()
                                               if k != "concept_versions_and_links")


def test_importing_twice_adds_nothing(session, factory):
    build_setup(factory)
    session.commit()
    text = config_io.export_config(session)
    before = count(session, m.AuditEntry)
    added = config_io.import_config(session, ACTOR, text)
    assert sum(added.values()) == 0
    assert count(session, m.AuditEntry) == before


def test_a_new_version_of_an_existing_concept_is_added(session, factory):
    build_setup(factory)
    session.commit()
    document = config_io.export_document(session)
    ss = next(c for c in document["concepts"] if c["code"] == "SS")
    new = {"version": 3, "status": "approved", "effective_from": date(2027, 1, 1),
           "formula": "gross * 8%", "priority": 1, "shortfall": "partial", "loan": False}
    ss["versions"].append(new)
    with pytest.raises(ScenarioError, match=r"versions\[2\].version: version 3 of SS is a "
                                            "draft in the database"):
        config_io.import_config(session, ACTOR, config_io.dump_yaml(document))
    new["version"] = 4
    added = config_io.import_config(session, ACTOR, config_io.dump_yaml(document))
    assert added["concept_versions_and_links"] == 1
    assert session.scalar(sa.select(m.ConceptVersion.formula).where(
        m.ConceptVersion.version == 4)) == "gross * 8%"


BAD = """\
config_version: 1
currencies:
  - {code: USD, name: Dollar, minor_unit: "0,01"}
  - {code: EUR, name: Euro, colour: blue}
exchange_rates:
  - {from: GBP, to: USD, effective_date: 2026-01-01, rate: "1.2"}
inputs:
  - {code: OT, name: Overtime, default: "0.000000000000001"}
tables:
  - code: TAX
    name: Tax
    kind: progressive
    effective_from: 2026-01-01
    rows:
      - {lower: 0, upper: 100}
      - {lower: 150, rate: "0.1"}
concepts:
  - code: SS
    name: SS
    kind: deduction
    versions:
      - {version: 1, effective_from: 2026-13-01, formula: "gross * 7%"}
"""


def test_every_problem_is_reported_with_line_and_path_and_nothing_is_written(session):
    with pytest.raises(ScenarioError) as caught:
        config_io.import_config(session, ACTOR, BAD, "bad.yaml")
    text = str(caught.value)
    assert "bad.yaml:3: currencies[0].minor_unit: '0,01' is not a decimal amount" in text
    assert "bad.yaml:4: currencies[1].colour: unknown key" in text
    assert "bad.yaml:8: inputs[0].default: " in text and "decimal places" in text
    assert "bad.yaml:22: concepts[0].versions[0].effective_from: '2026-13-01' is not a " \
           "valid date" in text
    assert count(session, m.Currency) == 0


def test_references_and_table_rows_are_checked(session):
    text = BAD.replace('"0,01"', '"0.01"').replace(", colour: blue", "").replace(
        '"0.000000000000001"', '"0"').replace("2026-13-01", "2026-01-01")
    with pytest.raises(ScenarioError) as caught:
        config_io.import_config(session, ACTOR, text, "bad.yaml")
    message = str(caught.value)
    assert "bad.yaml:6: exchange_rates[0].from: no currency 'GBP' (in this file or the " \
           "database)" in message
    assert "bad.yaml:16: tables[0].rows[1]: row 2: lower 150 must equal the previous row's " \
           "upper 100" in message
    assert count(session, m.Currency) == 0 and count(session, m.InputDefinition) == 0


def test_a_formula_error_points_at_the_formula(session):
    text = """\
config_version: 1
concepts:
  - code: SS
    name: SS
    kind: deduction
    versions:
      - version: 1
        effective_from: 2026-01-01
        formula: gros * 7%
"""
    with pytest.raises(ScenarioError) as caught:
        config_io.import_config(session, ACTOR, text, "f.yaml")
    message = str(caught.value)
    assert message.startswith("f.yaml:9: concepts[0].versions[0].formula: unknown name gros")
    assert "formula line 1, column 1" in message
    assert count(session, m.Concept) == 0


def test_a_conflict_with_the_database_is_refused_and_nothing_is_written(session, factory):
    factory.concept(code="SS", name="SS", formula="gross * 7%")
    session.commit()
    document = config_io.export_document(session)
    document["concepts"][0]["versions"][0]["formula"] = "gross * 8%"
    document["inputs"] = [{"code": "NEW_INPUT", "name": "New"}]
    with pytest.raises(ScenarioError) as caught:
        config_io.import_config(session, ACTOR, config_io.dump_yaml(document), "c.yaml")
    message = str(caught.value)
    assert "concepts[0].versions[0]: already exists in the database with different values: " \
           "formula: 'gross * 8%' here, 'gross * 7%' in the database" in message
    assert count(session, m.InputDefinition) == 0


def test_empty_and_unversioned_documents_are_refused(session):
    with pytest.raises(ScenarioError, match="x.yaml:1: the file is empty"):
        config_io.import_config(session, ACTOR, "", "x.yaml")
    with pytest.raises(ScenarioError, match="missing required key 'config_version'"):
        config_io.import_config(session, ACTOR, "currencies: []\n", "x.yaml")
    with pytest.raises(ScenarioError, match="2 is out of range"):
        config_io.import_config(session, ACTOR, "config_version: 2\n", "x.yaml")
