"""``payrollctl novelties``: import novelties (overtime hours, absences …) from CSV or XLSX."""

from __future__ import annotations

from pathlib import Path

import click

from coati_payroll.cli.context import load_settings, unit_of_work_factory
from coati_payroll.cli.output import emit, handle_errors, json_option


@click.group()
def novelties() -> None:
    """Import per-period inputs of employees (columns in docs/cli.md)."""


@novelties.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--company", default=None,
              help="Company code for rows without a 'company' column value.")
@click.option("--allow-duplicates", is_flag=True,
              help="Add rows identical to a pending novelty already stored.")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="File format (default: from the extension).")
@json_option
@handle_errors
def import_(file: Path, company: str | None, allow_duplicates: bool, dry_run: bool,
            fmt: str | None, as_json: bool) -> None:
    """Add one pending novelty per row of FILE.

    Every row is validated first (employee, input, exact '.' decimal value, date, payroll);
    on any problem nothing is imported and each is listed as 'row N: column: message'
    (exit 2)."""
    from coati_payroll.services.actor import Actor
    from coati_payroll.services.novelty_import import import_novelties
    from coati_payroll.services.tabular import read_sheet

    sheet = read_sheet(file, fmt)
    with unit_of_work_factory(load_settings()) as new_uow, new_uow() as uow:
        summary = import_novelties(uow.session, Actor.system("payrollctl"), sheet,
                                   company=company, allow_duplicates=allow_duplicates)
        if not dry_run:
            uow.commit()
    emit({"dry_run": dry_run, "rows": summary.rows, "created": summary.created}, as_json,
         f"{summary.created} novelt{'y' if summary.created == 1 else 'ies'} "
         f"{'would be ' if dry_run else ''}imported")
