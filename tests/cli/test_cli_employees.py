"""payrollctl employees import|export (CSV and XLSX) through the command line."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import load_workbook

from coati_payroll.cli.main import payrollctl
from coati_payroll.db import models as m

HEADER = "code,first_name,last_name,hire_date,salary,salary_currency,payrolls"


@pytest.fixture
def run(db_url, engine):
    def invoke(*args: str):
        return CliRunner().invoke(payrollctl, list(args),
                                  env={"DATABASE_URL": db_url, "ENVIRONMENT": "test"})
    return invoke


@pytest.fixture
def demo(run):
    assert run("demo", "--employees", "2").exit_code == 0


def count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(m.Employee))


def test_import_csv_then_export_xlsx_and_csv(run, demo, tmp_path, session):
    file = tmp_path / "new.csv"
    file.write_text(HEADER + ",custom.department\nN1,Ana,Soto,2026-01-15,4500.50,USD,MONTHLY,"
                    "Sales\nN2,Luis,Paz,2026-02-01,3000,USD,,\n", encoding="utf-8")
    dry = run("employees", "import", str(file), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["created"] == 2 and count(session) == 2
    result = run("employees", "import", str(file))
    assert result.exit_code == 0, result.output
    assert "2 employee(s) were created" in result.stdout and count(session) == 4
    xlsx = tmp_path / "all.xlsx"
    assert run("employees", "export", str(xlsx)).exit_code == 0
    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("company", "code") and len(rows) == 5
    csv_out = run("employees", "export", "--company", "DEMO")
    assert csv_out.exit_code == 0
    assert "DEMO,N1,Ana,Soto" in csv_out.stdout and "4500.50" in csv_out.stdout
    assert run("employees", "export", str(xlsx)).exit_code == 1  # exists
    back = run("employees", "import", str(xlsx), "--update", "--json")
    assert back.exit_code == 0, back.output
    assert json.loads(back.stdout)["unchanged"] == 4


def test_bad_rows_exit_2_with_row_column_value_and_nothing_is_written(run, demo, tmp_path,
                                                                      session):
    file = tmp_path / "bad.csv"
    file.write_text(HEADER + "\nN1,Ana,Soto,2026-13-01,4500,USD,\nN2,Luis,Paz,2026-01-01,"
                    "\"1,5\",USD,NOPE\nN3,Eva,Gil,2026-01-01,10,USD,\n")
    result = run("employees", "import", str(file))
    assert result.exit_code == 2
    assert "row 2: hire_date: '2026-13-01' is not a date (YYYY-MM-DD)" in result.stderr
    assert "row 3: salary: '1,5' is not an amount" in result.stderr
    assert "row 3: payrolls: company 'DEMO' has no payroll 'NOPE'" in result.stderr
    assert count(session) == 2
    unknown = tmp_path / "x.txt"
    unknown.write_text("code\n")
    assert run("employees", "import", str(unknown)).exit_code == 2
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    out = run("employees", "import", str(broken), "--json")
    assert out.exit_code == 2 and "not an Excel .xlsx workbook" in out.stdout
