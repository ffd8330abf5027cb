"""payrollctl config export|import: YAML round trip, dry run, errors with exit 2."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from tests.conftest import empty_tables

from coati_payroll.cli.main import payrollctl
from coati_payroll.db import models as m


@pytest.fixture
def run(db_url, engine):
    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(payrollctl, list(args), input=input,
                                  env={"DATABASE_URL": db_url, "ENVIRONMENT": "test"})
    return invoke


def test_export_import_round_trip(run, engine, tmp_path, session):
    assert run("demo", "--employees", "1").exit_code == 0
    exported = run("config", "export")
    assert exported.exit_code == 0 and exported.stdout.startswith("# Coati Payroll setup")
    file = tmp_path / "setup.yaml"
    assert run("config", "export", str(file)).exit_code == 0
    assert file.read_text() == exported.stdout
    assert run("config", "export", str(file)).exit_code == 1  # exists
    empty_tables(engine)
    dry = run("config", "import", str(file), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["total"] > 0
    assert session.scalar(sa.select(sa.func.count()).select_from(m.Concept)) == 0
    done = run("config", "import", str(file))
    assert done.exit_code == 0 and done.stdout.startswith("added ")
    assert run("config", "export").stdout == exported.stdout
    again = run("config", "import", "-", input=exported.stdout)
    assert again.exit_code == 0 and "(nothing new)" in again.stdout


def test_a_bad_file_exits_2_lists_problems_and_writes_nothing(run, tmp_path, session):
    file = tmp_path / "bad.yaml"
    file.write_text("config_version: 1\ncurrencies:\n  - {code: usd, name: Dollar}\n"
                    "inputs:\n  - {code: OT, name: OT, default: abc}\n")
    result = run("config", "import", str(file))
    assert result.exit_code == 2
    assert "bad.yaml:3: currencies[0].code: 'usd' is not a currency code" in result.stderr
    assert "bad.yaml:5: inputs[0].default: 'abc' is not a decimal amount" in result.stderr
    as_json = json.loads(run("config", "import", str(file), "--json").stdout)
    assert as_json["error"] == "invalid_file"
    assert as_json["problems"]["bad.yaml:5: inputs[0].default"] == "'abc' is not a decimal " \
                                                                    "amount"
    assert session.scalar(sa.select(sa.func.count()).select_from(m.Currency)) == 0
    missing = run("config", "import", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("config_version: 1\ncurrencies: [\n")
    assert run("config", "import", str(garbage)).exit_code == 2
