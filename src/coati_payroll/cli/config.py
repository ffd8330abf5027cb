"""``payrollctl config``: the setup (currencies, payroll types, tables, concepts, payroll
definitions …) as one YAML document, for copying an installation's rules to another."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from coati_payroll.cli.context import load_settings, unit_of_work_factory
from coati_payroll.cli.output import (
    EXIT_BAD_INPUT,
    EXIT_REFUSED,
    emit,
    fail,
    handle_errors,
    json_option,
)

ACTOR_NAME = "payrollctl"


@click.group()
def config() -> None:
    """Export or import the setup as YAML (format: docs/cli.md)."""


@config.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@handle_errors
def export(file: str, force: bool) -> None:
    """Write the setup to FILE (default '-': standard output).

    Exit 1 when FILE exists and --force is not given."""
    from coati_payroll.services.config_io import export_config

    if file != "-" and Path(file).exists() and not force:
        fail(EXIT_REFUSED, f"{file} exists; use --force to overwrite it", error="exists")
    with unit_of_work_factory(load_settings()) as new_uow, new_uow() as uow:
        text = export_config(uow.session)
    if file == "-":
        click.echo(text, nl=False)
    else:
        Path(file).write_text(text, encoding="utf-8")
        click.echo(f"setup written to {file}", err=True)


@config.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@json_option
@handle_errors
def import_(file: str, dry_run: bool, as_json: bool) -> None:
    """Validate the whole setup in FILE ('-': standard input), then add what the database
    lacks. Items already present with the same values are skipped; different values are an
    error. On any error nothing is written (exit 2, each problem as file:line: path)."""
    from coati_payroll.services.actor import Actor
    from coati_payroll.services.config_io import import_config

    source = "stdin" if file == "-" else Path(file).name
    try:
        text = sys.stdin.read() if file == "-" \
            else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(EXIT_BAD_INPUT, f"{source}: cannot read the file ({error})", as_json,
             error="invalid_file")
    with unit_of_work_factory(load_settings()) as new_uow, new_uow() as uow:
        added = import_config(uow.session, Actor.system(ACTOR_NAME), text, source)
        if not dry_run:
            uow.commit()
    total = sum(added.values())
    verb = "would add" if dry_run else "added"
    detail = ", ".join(f"{n} {section}" for section, n in added.items() if n)
    emit({"dry_run": dry_run, "added": added, "total": total}, as_json,
         f"{verb} {total} item(s)" + (f": {detail}" if detail else " (nothing new)"))
