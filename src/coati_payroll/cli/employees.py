"""``payrollctl employees``: import and export employees as CSV or XLSX."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from coati_payroll.cli.context import load_settings, unit_of_work_factory
from coati_payroll.cli.output import EXIT_REFUSED, emit, fail, handle_errors, json_option

ACTOR_NAME = "payrollctl"
format_option = click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]),
                             default=None, help="File format (default: from the extension).")


@click.group()
def employees() -> None:
    """Import or export employees (CSV or XLSX; columns in docs/cli.md)."""


@employees.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--company", default=None,
              help="Company code for rows without a 'company' column value.")
@click.option("--update", is_flag=True,
              help="Update employees whose code exists (empty cells keep the current value) "
                   "instead of refusing them.")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@format_option
@json_option
@handle_errors
def import_(file: Path, company: str | None, update: bool, dry_run: bool, fmt: str | None,
            as_json: bool) -> None:
    """Add (or with --update, upsert) the employees in FILE.

    Every row is validated first; on any problem nothing is imported and each problem is
    listed as 'row N: column: message' (exit 2)."""
    from coati_payroll.services.actor import Actor
    from coati_payroll.services.employee_import import import_employees
    from coati_payroll.services.tabular import read_sheet

    sheet = read_sheet(file, fmt)
    with unit_of_work_factory(load_settings()) as new_uow, new_uow() as uow:
        summary = import_employees(uow.session, Actor.system(ACTOR_NAME), sheet,
                                   company=company, update=update)
        if not dry_run:
            uow.commit()
    data = {"dry_run": dry_run, **summary.as_dict()}
    verb = "would be" if dry_run else "were"
    emit(data, as_json, f"{summary.rows} row(s): {summary.created} employee(s) {verb} "
                        f"created, {summary.updated} updated, {summary.unchanged} unchanged")


@employees.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@click.option("--company", default=None, help="Only this company's employees.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Salary in force on this date (default: today).")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@format_option
@handle_errors
def export(file: str, company: str | None, as_of: datetime | None, force: bool,
           fmt: str | None) -> None:
    """Write the employees to FILE (CSV or XLSX; '-' writes CSV to standard output) in the
    columns 'employees import' reads, so the file can be edited and imported with --update."""
    from coati_payroll.services.employee_import import export_columns, export_rows
    from coati_payroll.services.tabular import file_format, write_csv, write_file

    day = as_of.date() if as_of is not None else None
    if file != "-":
        file_format(file, fmt)
        if Path(file).exists() and not force:
            fail(EXIT_REFUSED, f"{file} exists; use --force to overwrite it", error="exists")
    with unit_of_work_factory(load_settings()) as new_uow, new_uow() as uow:
        columns = export_columns(uow.session)
        rows = export_rows(uow.session, columns, company=company, as_of=day)
        if file == "-":
            count = write_csv(sys.stdout, columns, rows)
        else:
            count = write_file(file, columns, rows, fmt, title="employees")
    click.echo(f"{count} employee(s) exported", err=True)
