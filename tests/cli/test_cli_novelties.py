"""payrollctl novelties import through the command line."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import Workbook

from coati_payroll.cli.main import payrollctl
from coati_payroll.db import models as m


@pytest.fixture
def run(db_url, engine):
    def invoke(*args: str):
        return CliRunner().invoke(payrollctl, list(args),
                                  env={"DATABASE_URL": db_url, "ENVIRONMENT": "test"})
    return invoke


def pending(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(m.Novelty))


def test_import_xlsx_and_refuse_a_second_import(run, tmp_path, session):
    assert run("demo", "--employees", "3").exit_code == 0
    before = pending(session)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["employee", "input", "value", "date", "payroll"])
    sheet.append(["D0001", "OVERTIME_HOURS", 7.5, "2026-01-20", "MONTHLY"])
    sheet.append(["D0003", "ABSENCE_DAYS", 1, "2026-01-21", None])
    file = tmp_path / "n.xlsx"
    workbook.save(file)
    result = run("novelties", "import", str(file), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"dry_run": False, "rows": 2, "created": 2}
    assert pending(session) == before + 2
    again = run("novelties", "import", str(file))
    assert again.exit_code == 2
    assert "row 2: value: an identical pending novelty already exists" in again.stderr
    assert run("novelties", "import", str(file), "--allow-duplicates").exit_code == 0


def test_bad_rows_exit_2_and_nothing_is_written(run, tmp_path, session):
    assert run("demo", "--employees", "1").exit_code == 0
    before = pending(session)
    file = tmp_path / "n.csv"
    file.write_text("employee;input;value;date\nD0001;OVERTIME_HOURS;8;2026-01-20\n"
                    "D0009;OVERTIME_HOURS;8,5;2026-02-30\n")
    result = run("novelties", "import", str(file))
    assert result.exit_code == 2
    assert "row 3: employee: no employee 'D0009' in company 'DEMO'" in result.stderr
    assert "row 3: value: '8,5' is not an amount" in result.stderr
    assert "row 3: date: '2026-02-30' is not a date (YYYY-MM-DD)" in result.stderr
    assert pending(session) == before
