"""payrollctl runs: the lifecycle from the command line, JSON output, exports, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from coati_payroll.cli.main import payrollctl
from coati_payroll.db.engine import make_session_factory
from coati_payroll.scenario import load_scenario
from coati_payroll.services import scenario_db
from coati_payroll.services.actor import Actor
from coati_payroll.services.uow import UnitOfWork

GOLDEN = Path(__file__).parents[1] / "golden"


@pytest.fixture
def run(db_url, engine):
    def invoke(*args: str):
        return CliRunner().invoke(payrollctl, list(args),
                                  env={"DATABASE_URL": db_url, "ENVIRONMENT": "test"})
    return invoke


def scenario(engine, name: str, code: str) -> None:
    uow = UnitOfWork(make_session_factory(engine))
    scenario_db.load_scenario(uow, Actor.system("test"), load_scenario(GOLDEN / name), code)


def test_the_whole_lifecycle(run, engine, tmp_path):
    scenario(engine, "11_net_pay_protection_loans.yaml", "LOANS")
    created = run("runs", "create", "--definition", "LOANS", "--start", "2026-03-01",
                  "--end", "2026-03-31", "--payment-date", "2026-03-31", "--json")
    assert created.exit_code == 0, created.output
    run_id = str(json.loads(created.output)["id"])
    calculated = run("runs", "calculate", run_id, "--json")
    assert calculated.exit_code == 0, calculated.output
    data = json.loads(calculated.output)
    assert data["status"] == "generated" and data["employees"] == 8
    assert data["net"] == "6210.00"  # amounts as exact strings, at the currency scale

    shown = run("runs", "show", run_id)
    assert shown.exit_code == 0 and "generated" in shown.output
    assert run("runs", "recalculate", run_id).exit_code == 0

    exported = run("runs", "export", run_id, "--format", "csv")
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.output)))
    assert len(rows) == 8
    assert {r["employee"]: r["LOAN"] for r in rows}["L1"] == "130.00"
    as_json = json.loads(run("runs", "export", run_id, "--format", "json").output)
    assert as_json[0]["employee"] == "L1" and as_json[0]["net"] == "0.00"
    xlsx = tmp_path / "run.xlsx"
    assert run("runs", "export", run_id, "--format", "xlsx", "--output", str(xlsx)).exit_code == 0
    sheet = load_workbook(xlsx).active
    assert sheet is not None and sheet.max_row == 9

    assert run("runs", "approve", run_id).exit_code == 0
    applied = run("runs", "apply", run_id, "--json")
    assert applied.exit_code == 0 and json.loads(applied.output)["status"] == "applied"
    refused = run("runs", "recalculate", run_id)
    assert refused.exit_code == 1 and "applied" in refused.output
    following = json.loads(run("runs", "create", "--definition", "LOANS", "--json").output)
    assert (following["period_start"], following["period_end"]) == ("2026-04-01", "2026-04-30")
    voided = run("runs", "void", run_id, "--reason", "test")
    assert voided.exit_code == 0 and "voided: test" in voided.output

    second = json.loads(run("runs", "create", "--definition", "LOANS", "--start", "2026-03-01",
                            "--end", "2026-03-31", "--json").output)
    assert run("runs", "calculate", str(second["id"])).exit_code == 0
    compared = run("runs", "compare", run_id, str(second["id"]), "--json")
    assert compared.exit_code == 0, compared.output
    result = json.loads(compared.output)
    assert result["employees"] == [] and result["unchanged"] == 8


def test_refusals_exit_1_and_bad_input_exit_2(run, engine):
    scenario(engine, "21_employee_errors.yaml", "ERRORS")
    created = run("runs", "create", "--definition", "ERRORS", "--start", "2026-01-01",
                  "--end", "2026-01-31", "--json")
    run_id = str(json.loads(created.output)["id"])
    assert run("runs", "calculate", run_id).exit_code == 0
    refused = run("runs", "approve", run_id, "--json")
    assert refused.exit_code == 1
    assert json.loads(refused.output)["error"] == "invalid_state"
    assert "V2" in json.loads(refused.output)["message"]
    assert run("runs", "void", run_id, "--reason", " ").exit_code == 2
    assert run("runs", "show", "999999").exit_code == 1
    assert run("runs", "create", "--definition", "NOPE").exit_code == 2
    assert run("runs", "create", "--definition", "ERRORS", "--start", "2026-02-01").exit_code == 2
    assert run("runs", "calculate", "not-a-number").exit_code == 2
    assert run("runs", "export", run_id, "--format", "xlsx").exit_code == 2
