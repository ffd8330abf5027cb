"""``payrollctl simulate``: compute a scenario file and check its expectations.

Exit codes: 0 when every expectation matches (or there is none), 1 when some do not, 2 when
the file cannot be used (bad YAML, invalid keys, formulas that do not compile) or the
employee asked for with ``--explain`` is not in it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from coati_payroll.scenario import ScenarioError, load_scenario, run_scenario
from coati_payroll.scenario.render import explanation_text, run_json, run_text

EXIT_MISMATCH = 1
EXIT_BAD_INPUT = 2


@click.command(short_help="Compute a scenario file and check its expected payslips.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON document (amounts as strings) instead of tables.")
@click.option("--explain", "explain", metavar="EMPLOYEE_ID",
              help="Show how each line of this employee was computed (formula, values, "
                   "table rows, unrounded amount).")
def simulate(file: Path, as_json: bool, explain: str | None) -> None:
    """Compute the payroll described by the scenario FILE (YAML) and print the payslips.

    When the file has `expected` blocks, every difference is printed as a MISMATCH line and
    the exit code is 1. A file that cannot be used exits with 2. See docs/scenarios.md.
    """
    try:
        scenario = load_scenario(file)
    except ScenarioError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    if explain is not None and explain not in {e.id for e in scenario.employees}:
        click.echo(f"{file.name}: no employee with id {explain!r}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    run = run_scenario(scenario)
    if as_json:
        click.echo(json.dumps(run_json(run, explain), indent=2, ensure_ascii=False))
    elif explain is not None:
        click.echo(explanation_text(run, explain), nl=False)
    else:
        click.echo(run_text(run), nl=False)
    if run.mismatches:
        if not as_json:
            click.echo("")
            for mismatch in run.mismatches:
                click.echo(str(mismatch))
        click.echo(f"{len(run.mismatches)} mismatch(es) with the expected payslips", err=True)
        sys.exit(EXIT_MISMATCH)
    if run.checked and not as_json:
        click.echo(f"\nAll expectations met ({len(scenario.expectations)} employee(s) checked).")
