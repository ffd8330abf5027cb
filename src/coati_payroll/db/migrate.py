"""Schema migrations as functions: ``upgrade``, ``downgrade``, ``current``, ``check``.

The Alembic configuration is built here in code (no ``alembic.ini``); the scripts live in
``coati_payroll/migrations`` (``env.py`` and ``versions/``). Each function takes a database
URL (e.g. ``settings.database_url``) or an :class:`~sqlalchemy.engine.Engine`, and runs in one
transaction where the backend allows transactional DDL (PostgreSQL, SQLite; MariaDB commits
each DDL statement).

For developers, a new revision after changing the models::

    python -m coati_payroll.db.migrate revision -m "what changed" --url sqlite:///dev.db

(autogenerate against a database at head, then review the script by hand).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import URL, Connection, Engine

from coati_payroll.db.base import Base
from coati_payroll.db.engine import make_engine
from coati_payroll.db.types import Code, JSONDocument, Money, Rate, UTCDateTime

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def context_options(connection: Connection) -> dict[str, Any]:
    """The options every Alembic context gets (env.py and :func:`check` share them)."""
    return {
        "target_metadata": Base.metadata,
        "render_as_batch": connection.dialect.name == "sqlite",
        "compare_type": True,
        "compare_server_default": False,
        "render_item": render_item,
    }


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write this package's column types as the plain SQLAlchemy types with per-backend
    variants that ``script.py.mako`` defines in every revision (``MONEY``, ``RATE``,
    ``TIMESTAMP``, ``code(n)``), so that revision scripts never import the application and
    keep meaning what they meant when written, whatever later happens to ``db.types``."""
    if type_ != "type":
        return False
    if isinstance(obj, Money):
        return "MONEY"
    if isinstance(obj, Rate):
        return "RATE"
    if isinstance(obj, Code):
        return f"code({obj.length})"
    if isinstance(obj, UTCDateTime):
        return "TIMESTAMP"
    if isinstance(obj, JSONDocument):
        return "sa.JSON()"
    return False


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` for this package's scripts; ``connection`` is handed to env.py."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def _connection(url_or_engine: str | URL | Engine) -> Iterator[Connection]:
    import coati_payroll.db.models  # noqa: F401 - registers every table on Base.metadata

    owned = not isinstance(url_or_engine, Engine)
    engine = make_engine(url_or_engine) if not isinstance(url_or_engine, Engine) else url_or_engine
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        if owned:
            engine.dispose()


def upgrade(url: str | URL | Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the latest)."""
    with _connection(url) as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(url: str | URL | Engine, revision: str) -> None:
    """Downgrade the database to ``revision`` (``"base"``: drop every table)."""
    with _connection(url) as connection:
        command.downgrade(alembic_config(connection), revision)


def current(url: str | URL | Engine) -> str | None:
    """The database's revision, or None for an empty (never migrated) database."""
    with _connection(url) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head() -> str:
    """The latest revision of the scripts."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"expected one migration head, found {heads}")
    return heads[0]


def check(url: str | URL | Engine) -> list[Any]:
    """The differences between the models and the database (autogenerate's diff), as
    Alembic's operation tuples; an empty list means they match. Run it on a database at head
    to check that the migrations create what the models declare."""
    with _connection(url) as connection:
        context = MigrationContext.configure(connection, opts=context_options(connection))
        return list(compare_metadata(context, Base.metadata))


def revision(url: str | URL | Engine, message: str) -> None:
    """Autogenerate a new revision script from the difference with the database at ``url``."""
    with _connection(url) as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m coati_payroll.db.migrate")
    parser.add_argument("action", choices=["upgrade", "downgrade", "current", "check",
                                           "revision"])
    parser.add_argument("target", nargs="?", default=None, help="revision (upgrade/downgrade)")
    parser.add_argument("--url", required=True, help="database URL")
    parser.add_argument("-m", "--message", default="")
    args = parser.parse_args(argv)
    if args.action == "upgrade":
        upgrade(args.url, args.target or "head")
    elif args.action == "downgrade":
        if not args.target:
            parser.error("downgrade needs a target revision (e.g. base)")
        downgrade(args.url, args.target)
    elif args.action == "current":
        print(current(args.url))
    elif args.action == "check":
        differences = check(args.url)
        for difference in differences:
            print(difference)
        raise SystemExit(1 if differences else 0)
    else:
        revision(args.url, args.message)


if __name__ == "__main__":
    main()
