"""``payrollctl db``: schema migrations and backups of the database named by DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

import click

from coati_payroll.cli.context import load_settings
from coati_payroll.cli.output import EXIT_REFUSED, emit, fail, handle_errors, json_option


@click.group()
def db() -> None:
    """Migrate, check, back up and restore the database (DATABASE_URL)."""


@db.command()
@click.argument("revision", default="head")
@json_option
@handle_errors
def upgrade(revision: str, as_json: bool) -> None:
    """Upgrade the schema to REVISION (default: head, the latest). Safe to repeat."""
    from coati_payroll.db import migrate

    url = load_settings().database_url
    before = migrate.current(url)
    migrate.upgrade(url, revision)
    after = migrate.current(url)
    emit({"from": before, "to": after}, as_json,
         f"database at revision {after}" + ("" if before != after
                                            else " (already there, nothing to do)"))


@db.command()
@click.argument("revision")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@handle_errors
def downgrade(revision: str, yes: bool, as_json: bool) -> None:
    """Downgrade the schema to REVISION ('base' drops every table). Data in dropped tables
    and columns is lost: back up first. Asks for confirmation unless --yes."""
    from coati_payroll.db import migrate

    url = load_settings().database_url
    if not yes and not click.confirm(f"Downgrade the database to {revision}? Data in the "
                                     "removed tables and columns will be lost", err=True):
        fail(EXIT_REFUSED, "downgrade cancelled", as_json, error="cancelled")
    before = migrate.current(url)
    migrate.downgrade(url, revision)
    after = migrate.current(url)
    emit({"from": before, "to": after}, as_json, f"database at revision {after or 'base'}")


@db.command()
@json_option
@handle_errors
def current(as_json: bool) -> None:
    """Show the database's revision and the latest one. Exit 1 when it is not at head."""
    from coati_payroll.db import migrate

    revision = migrate.current(load_settings().database_url)
    head = migrate.head()
    emit({"current": revision, "head": head, "up_to_date": revision == head}, as_json,
         f"current: {revision or 'none (empty database)'}\nhead:    {head}")
    if revision != head:
        raise SystemExit(EXIT_REFUSED)


@db.command()
@json_option
@handle_errors
def check(as_json: bool) -> None:
    """Compare the database schema with the models. Exit 1 when they differ (each
    difference is printed)."""
    from coati_payroll.db import migrate

    differences = [str(d) for d in migrate.check(load_settings().database_url)]
    emit({"differences": differences, "ok": not differences}, as_json,
         "\n".join(differences) or "the schema matches the models")
    if differences:
        raise SystemExit(EXIT_REFUSED)


@db.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@json_option
@handle_errors
def backup(file: Path, force: bool, as_json: bool) -> None:
    """Write every table to FILE (JSON lines; gzip when FILE ends in .gz).

    The file restores into an empty database of any supported backend migrated to the same
    revision. Amounts stay exact. Refuses (exit 1) to overwrite FILE without --force."""
    from coati_payroll.db.engine import make_engine
    from coati_payroll.services.backup import backup as write_backup

    if file.exists() and not force:
        fail(EXIT_REFUSED, f"{file} exists; use --force to overwrite it", as_json,
             error="exists")
    engine = make_engine(load_settings().database_url)
    try:
        summary = write_backup(engine, file)
    finally:
        engine.dispose()
    emit({"file": summary.path, "revision": summary.revision, "rows": summary.rows,
          "tables": summary.tables}, as_json,
         f"{summary.rows} rows of {len(summary.tables)} tables written to {summary.path} "
         f"(revision {summary.revision})")


@db.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True,
              help="Delete every row of the database first (in the same transaction).")
@json_option
@handle_errors
def restore(file: Path, replace: bool, as_json: bool) -> None:
    """Load a backup FILE into the database, which must be migrated to the backup's revision
    and empty (or use --replace). All or nothing: exit 2 for a bad file, 1 for a database
    that is not empty or at another revision."""
    from coati_payroll.db.engine import make_engine
    from coati_payroll.services.backup import restore as read_backup

    engine = make_engine(load_settings().database_url)
    try:
        summary = read_backup(engine, file, replace=replace)
    finally:
        engine.dispose()
    emit({"file": summary.path, "revision": summary.revision, "rows": summary.rows,
          "tables": summary.tables}, as_json,
         f"{summary.rows} rows restored from {summary.path}")
