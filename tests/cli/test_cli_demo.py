"""payrollctl demo: the demo company, idempotent, usable by a payroll run."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from coati_payroll.cli.main import COMMANDS, payrollctl
from coati_payroll.db import models as m

MINE = ("db", "users", "config", "employees", "novelties", "demo")


@pytest.fixture
def run(db_url, engine):
    def invoke(*args: str):
        return CliRunner().invoke(payrollctl, list(args),
                                  env={"DATABASE_URL": db_url, "ENVIRONMENT": "test"})
    return invoke


def test_demo_creates_the_company_and_is_idempotent(run, session):
    first = run("demo", "--employees", "12", "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["employees_created"] == 12 and summary["loans_created"] == 2
    assert summary["novelties_created"] == 3 and summary["setup_added"] > 0
    second = json.loads(run("demo", "--employees", "12", "--json").stdout)
    assert second["employees_created"] == 0 and second["setup_added"] == 0
    assert second["loans_created"] == 0 and second["employees_total"] == 12
    more = json.loads(run("demo", "--employees", "15", "--json").stdout)
    assert more["employees_created"] == 3 and more["employees_total"] == 15
    company = session.scalar(sa.select(m.Company))
    assert company.name == "Coati Demo Co."
    assert session.scalar(sa.select(sa.func.count()).select_from(m.DefinitionEmployee)) == 15
    assert session.scalar(sa.select(sa.func.count()).select_from(m.Loan)) == 3
    codes = set(session.scalars(sa.select(m.Concept.code)))
    assert {"OVERTIME", "TRANSPORT", "SS", "INCOME_TAX", "LOAN", "ER_SS", "ER_TRAINING",
            "SEVERANCE"} <= codes


def test_demo_payroll_computes(run, session):
    from coati_payroll.core.engine import compute_payroll
    from coati_payroll.core.model import PayPeriod
    from coati_payroll.services.snapshot import load_employees, load_setup

    assert run("demo", "--employees", "5").exit_code == 0
    definition = session.scalar(sa.select(m.PayrollDefinition))
    period = PayPeriod(date(2026, 1, 1), date(2026, 1, 31))
    loaded = load_setup(session, definition.id, period)
    setup = loaded.setup
    people = load_employees(session, definition.id, setup)
    result = compute_payroll(setup, [p.employee for p in people])
    first = result.payslips[0]
    amounts = {line.code: line.amount for line in first.lines}
    assert str(amounts["SS"]) == "700.00" and str(amounts["INCOME_TAX"]) == "445.00"


def test_demo_refuses_a_conflicting_setup(run, factory, session):
    factory.concept(code="SS", name="Other", formula="gross * 1%")
    session.commit()
    result = run("demo", "--employees", "2")
    assert result.exit_code == 1
    assert "conflicts with the demo's" in result.stderr and "already exists" in result.stderr
    assert session.scalar(sa.select(sa.func.count()).select_from(m.Employee)) == 0


def test_every_command_has_help():
    runner = CliRunner()
    for name in MINE:
        assert name in COMMANDS
        result = runner.invoke(payrollctl, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.stdout
        group = payrollctl.get_command(None, name)  # type: ignore[arg-type]
        for sub in getattr(group, "commands", {}):
            sub_help = runner.invoke(payrollctl, [name, sub, "--help"])
            assert sub_help.exit_code == 0, (name, sub)
    assert runner.invoke(payrollctl, ["demo", "--employees", "-1"]).exit_code == 2
