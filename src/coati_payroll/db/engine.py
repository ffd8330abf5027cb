"""Engine and session factory. Nothing connects at import time: build the engine from the
``Settings`` at the edge of a process (``make_engine(settings.database_url)``) and pass it in.

Per backend:

* SQLite — ``PRAGMA foreign_keys=ON`` (off by default in SQLite), WAL journal (readers do not
  block the writer; file databases only), ``busy_timeout`` so a writer waits for another
  instead of failing at once.
* PostgreSQL — ``pool_pre_ping`` (drops connections the server closed), a bounded pool.
* MariaDB/MySQL — the same, plus ``charset=utf8mb4``, ``pool_recycle`` under the server's
  ``wait_timeout``, strict SQL mode (out-of-range values fail instead of being clipped) and
  ``READ COMMITTED`` isolation, so that the three backends see committed data alike (MariaDB
  defaults to ``REPEATABLE READ``); a failed CHECK constraint raises ``IntegrityError`` as on
  the other backends (MariaDB's driver says ``OperationalError``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, ExceptionContext
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
_MARIADB_CHECK_FAILED = 4025  # ER_CONSTRAINT_FAILED

_MYSQL_SQL_MODE = (
    "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_ENGINE_SUBSTITUTION"
)


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url`` configured for its backend (see the module docstring).

    ``kwargs`` go to :func:`sqlalchemy.create_engine` and win over the defaults here.
    """
    url = sa.make_url(url)
    backend = url.get_backend_name()
    options: dict[str, Any] = {}
    if backend == "sqlite":
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            # The embedded default lives in ./instance: create its folder on first use, so a
            # fresh checkout can run `payrollctl db upgrade` directly.
            try:
                Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError:
                pass  # connecting then fails with the database's own, clearer error
    else:
        options.update(pool_pre_ping=True, pool_size=5, max_overflow=10, pool_timeout=30)
        if backend in ("mysql", "mariadb"):
            if "charset" not in url.query:
                url = url.update_query_dict({"charset": "utf8mb4"})
            options.update(pool_recycle=3600, isolation_level="READ COMMITTED")
    options.update(kwargs)
    engine = sa.create_engine(url, **options)
    if backend == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    elif backend in ("mysql", "mariadb"):
        event.listen(engine, "connect", _configure_mysql)
        event.listen(engine, "handle_error", _check_violation_as_integrity_error)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``. ``expire_on_commit=False`` so that objects returned by a
    service that committed can still be read (by a template, a CLI printer) without a new
    query; services own the commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA database_list")
        files = [row[2] for row in cursor.fetchall() if row[1] == "main"]
        if files and files[0]:  # an empty file name is an in-memory or temporary database
            cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def _check_violation_as_integrity_error(context: ExceptionContext) -> sa.exc.DBAPIError | None:
    """MariaDB reports a failed CHECK constraint (error 4025) as an OperationalError; the
    other backends say IntegrityError, which is what callers catch. Make MariaDB agree."""
    original = context.original_exception
    if getattr(original, "args", (None,))[:1] == (_MARIADB_CHECK_FAILED,):
        return sa.exc.IntegrityError(context.statement, context.parameters, original)
    return None


def _configure_mysql(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"SET SESSION sql_mode='{_MYSQL_SQL_MODE}'")
        cursor.execute("SET SESSION time_zone='+00:00'")
    finally:
        cursor.close()
