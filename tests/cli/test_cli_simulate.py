"""``payrollctl simulate`` through click's CliRunner: output, JSON, explanations, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from coati_payroll import __version__
from coati_payroll.cli.main import payrollctl

DEMO = Path(__file__).parents[2] / "src" / "coati_payroll" / "examples" / "demo.yaml"

# A: hourly 3000 / 30 / 8 = 12.5; overtime 8 x 12.5 x 1.5 = 150.00; gross 3150.00;
#    SS 7 % = 220.50; net 2929.50.  B: 1000 EUR x 1.1 = 1100.00; SS 77.00; net 1023.00.
#    C: EUR rate missing -> error.  D: hired after the period -> excluded.
SCENARIO = """\
name: CLI check
setup:
  currency: USD
  exchange_rates: {EUR: "1.1"}
  period: {start: 2026-03-01, end: 2026-03-31}
  inputs: [OVERTIME_HOURS]
  concepts:
    - {code: OVERTIME, kind: earning, name: Overtime,
       formula: "input.OVERTIME_HOURS * hourly_rate * 1.5"}
    - {code: SS, kind: deduction, name: Social security, priority: 1, formula: "gross * 7%"}
    - {code: ER_SS, kind: employer, name: Employer SS, formula: "gross * 20%"}
employees:
  - id: A
    name: Ana
    hire_date: 2020-01-01
    salary: 3000
    inputs: {OVERTIME_HOURS: 8}
  - {id: B, name: Bea, hire_date: 2020-01-01, salary: 1000, salary_currency: EUR}
  - {id: C, name: Cy, hire_date: 2020-01-01, salary: 1000, salary_currency: GBP}
  - {id: D, name: Dee, hire_date: 2026-04-02, salary: 1000}
"""

EXPECTED_OK = """\
    expected:
      lines: {OVERTIME: "150.00", SS: "220.50"}
      net: "2929.50"
"""


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def with_expectation(block: str) -> str:
    marker = "    inputs: {OVERTIME_HOURS: 8}\n"
    return SCENARIO.replace(marker, marker + block)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(payrollctl, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_table_output_shows_every_payslip_and_the_totals(tmp_path: Path) -> None:
    code, out, err = invoke("simulate", str(write(tmp_path, SCENARIO)))
    assert code == 0, err
    assert "A — Ana [ok]" in out
    assert "Overtime" in out
    assert "2929.50" in out  # A's net
    assert "1023.00" in out  # B's net
    assert "C — Cy [error]" in out
    assert "FAILED [missing_exchange_rate]" in out
    assert "D — Dee [excluded]" in out
    assert "hired on 2026-04-02, after the period ends" in out
    assert "Totals: 4 employees, 2 computed, 1 excluded, 1 failed" in out
    assert "3952.50" in out  # total net 2929.50 + 1023.00


def test_json_output_parses_and_amounts_are_strings(tmp_path: Path) -> None:
    code, out, _ = invoke("simulate", "--json", str(write(tmp_path, SCENARIO)))
    assert code == 0
    document = json.loads(out)
    assert document["scenario"] == "CLI check"
    assert document["currency"] == "USD"
    assert document["period"] == {"start": "2026-03-01", "end": "2026-03-31",
                                  "payment_date": None}
    a, b, c, d = document["employees"]
    assert a["id"] == "A" and a["status"] == "ok"
    assert a["net"] == "2929.50"
    assert a["lines"][1] == {"code": "OVERTIME", "name": "Overtime", "kind": "earning",
                             "amount": "150.00", "loan_id": None}
    assert b["gross"] == "1100.00"
    assert c["status"] == "error"
    assert c["failure"]["code"] == "missing_exchange_rate"
    assert d["status"] == "excluded"
    assert d["notices"][0]["code"] == "excluded_not_hired"
    assert d["notices"][0]["params"] == {"hire_date": "2026-04-02"}
    assert document["totals"]["net"] == "3952.50"
    assert document["totals"]["failed"] == 1
    assert document["mismatches"] == []

    def no_floats(value: object) -> None:
        assert not isinstance(value, float), value
        if isinstance(value, dict):
            for item in value.values():
                no_floats(item)
        if isinstance(value, list):
            for item in value:
                no_floats(item)
    no_floats(document)


def test_explain_shows_formula_values_and_unrounded_amount(tmp_path: Path) -> None:
    code, out, _ = invoke("simulate", str(write(tmp_path, SCENARIO)), "--explain", "A")
    assert code == 0
    assert "Explanation for A — Ana [ok]" in out
    assert "formula:   input.OVERTIME_HOURS * hourly_rate * 1.5" in out
    assert "input.OVERTIME_HOURS = 8" in out
    assert "hourly_rate = 12.5" in out
    assert "formula:   gross * 7%" in out
    assert "gross = 3150.00" in out
    assert "unrounded:" in out


def test_explain_shows_table_rows() -> None:
    code, out, _ = invoke("simulate", str(DEMO), "--explain", "E007")
    assert code == 0
    assert "INCOME_TAX row 3 (200000 to 350000): rate 0.20, fixed 15000" in out


def test_explain_unknown_employee_exits_2(tmp_path: Path) -> None:
    code, _, err = invoke("simulate", str(write(tmp_path, SCENARIO)), "--explain", "Z")
    assert code == 2
    assert "no employee with id 'Z'" in err


def test_matching_expectations_exit_0(tmp_path: Path) -> None:
    code, out, _ = invoke("simulate", str(write(tmp_path, with_expectation(EXPECTED_OK))))
    assert code == 0
    assert "All expectations met (1 employee(s) checked)." in out
    assert "MISMATCH" not in out


def test_mismatches_exit_1_naming_employee_line_and_both_amounts(tmp_path: Path) -> None:
    block = ('    expected:\n      lines: {SS: "220.49", OVERTIME: "150"}\n'
             '      net: "2929.51"\n      status: ok\n')
    code, out, err = invoke("simulate", str(write(tmp_path, with_expectation(block))))
    assert code == 1
    assert "MISMATCH employee A line SS: expected 220.49, got 220.50" in out
    assert "MISMATCH employee A net: expected 2929.51, got 2929.50" in out
    assert "OVERTIME" not in [line.split()[3] for line in out.splitlines()
                              if line.startswith("MISMATCH")]
    assert "2 mismatch(es)" in err


def test_mismatches_in_json_exit_1(tmp_path: Path) -> None:
    block = '    expected:\n      lines: {SS: "1"}\n'
    code, out, _ = invoke("simulate", "--json", str(write(tmp_path, with_expectation(block))))
    assert code == 1
    mismatch, = json.loads(out)["mismatches"]
    assert mismatch == {"employee": "A", "subject": "line SS", "expected": "1",
                        "got": "220.50",
                        "message": "MISMATCH employee A line SS: expected 1, got 220.50"}


def test_bad_file_exits_2_with_the_message_on_stderr(tmp_path: Path) -> None:
    bad = SCENARIO.replace("salary: 3000", "salary: lots")
    code, out, err = invoke("simulate", str(write(tmp_path, bad, "bad.yaml")))
    assert code == 2
    assert out == ""
    assert "bad.yaml:16: employees[0].salary: 'lots' is not a decimal amount" in err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, _, err = invoke("simulate", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "does not exist" in err


def test_demo_runs_clean() -> None:
    code, out, err = invoke("simulate", str(DEMO))
    assert code == 0, out + err
    assert "MISMATCH" not in out
    assert "All expectations met (9 employee(s) checked)." in out


def test_version_and_help() -> None:
    code, out, _ = invoke("--version")
    assert code == 0
    assert __version__ in out
    code, out, _ = invoke("--help")
    assert code == 0
    assert "simulate" in out
    code, out, _ = invoke("simulate", "--help")
    assert code == 0
    assert "--explain EMPLOYEE_ID" in out
    assert "--json" in out


@pytest.mark.slow
def test_cli_never_imports_web_or_database_frameworks() -> None:
    probe = ("import sys\nfrom click.testing import CliRunner\n"
             "from coati_payroll.cli.main import payrollctl\n"
             f"CliRunner().invoke(payrollctl, ['simulate', {str(DEMO)!r}])\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "{'flask', 'sqlalchemy', 'dramatiq', 'redis'}))\n")
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout
    assert output.strip() == "[]"
