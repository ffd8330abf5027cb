"""Shared database fixtures: every test that asks for one runs on SQLite, PostgreSQL and
MariaDB (test ids ``[sqlite]``, ``[postgresql]``, ``[mariadb]``; select with ``-k sqlite``).

Fixtures:

* ``database_server`` (session, parametrized) — a backend that can create and drop databases.
  PostgreSQL and MariaDB come from ``COATI_TEST_POSTGRES_URL`` / ``COATI_TEST_MARIADB_URL``
  (any database on the server; it is only used to create others). Unset, empty or
  unreachable → the tests are skipped with a reason naming the variable and the address.
* ``db_url`` (session) — a uniquely named database (``coati_test_<pid>_<random>``; a temporary
  file for SQLite) migrated to head, dropped at the end of the session.
* ``engine`` — the engine of ``db_url`` (from ``coati_payroll.db.engine.make_engine``). After
  every test that used it, every table is emptied (DELETE in reverse dependency order), so
  tests may commit freely — services do — and still start from empty tables.
* ``session`` — an ORM session on ``engine`` (rolled back and closed after the test).
* ``factory`` — :class:`coati_payroll.db.testing.Factory` on ``session``: valid rows of every
  model (``factory.employee()``, ``factory.run()`` …).
* ``count_queries`` — ``with count_queries() as queries: ...; assert queries.count <= N``.
* ``empty_db_url`` — a fresh, empty (never migrated) database of the same backend, dropped
  after the test (for migration and ``payrollctl db upgrade`` tests).

To run a test on one backend only: ``@pytest.mark.parametrize("database_server", ["sqlite"],
indirect=True)``. Tests using these fixtures get the ``db`` marker automatically.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from coati_payroll.db.testing import Factory, QueryCounter

BACKENDS = ("sqlite", "postgresql", "mariadb")
SERVER_VARIABLES = {"postgresql": "COATI_TEST_POSTGRES_URL", "mariadb": "COATI_TEST_MARIADB_URL"}
CONNECT_TIMEOUT_SECONDS = 5


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "db: uses a database (runs on SQLite, PostgreSQL and MariaDB)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "database_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


@dataclass
class DatabaseServer:
    """Creates and drops uniquely named databases on one backend."""

    backend: str
    admin_url: sa.URL | None  # None for SQLite
    directory: Path

    def new_name(self) -> str:
        return f"coati_test_{os.getpid()}_{secrets.token_hex(4)}"

    def create(self) -> str:
        """A new empty database; its URL (with the password, for engines)."""
        name = self.new_name()
        if self.admin_url is None:
            return f"sqlite:///{(self.directory / f'{name}.db').as_posix()}"
        with self._admin() as connection:
            if self.backend == "postgresql":
                connection.execute(sa.text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\''))
            else:
                connection.execute(sa.text(
                    f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = sa.make_url(url).database
        assert name and os.path.basename(name).startswith("coati_test_"), name
        if self.admin_url is None:
            for suffix in ("", "-wal", "-shm"):
                Path(name + suffix).unlink(missing_ok=True)
            return
        with self._admin() as connection:
            if self.backend == "postgresql":
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                connection.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))

    def _admin(self) -> AbstractContextManager[sa.Connection]:
        assert self.admin_url is not None
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT",
                                  poolclass=sa.NullPool,
                                  connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
        return engine.connect()


def _server(backend: str, directory: Path) -> DatabaseServer:
    if backend == "sqlite":
        return DatabaseServer(backend, None, directory)
    variable = SERVER_VARIABLES[backend]
    raw = os.environ.get(variable, "").strip()
    if not raw:
        pytest.skip(f"{variable} is not set: {backend} database tests skipped "
                    f"(set it to e.g. the URL in docs/development.md)")
    url = sa.make_url(raw)
    shown = url.render_as_string(hide_password=True)
    try:
        server = DatabaseServer(backend, url, directory)
        with server._admin() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        pytest.skip(f"{variable}={shown}: {backend} server not reachable, tests skipped "
                    f"({type(error.orig or error).__name__}: {str(error.orig or error)[:200]})")
    return server


@pytest.fixture(scope="session", params=BACKENDS)
def database_server(request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> DatabaseServer:
    return _server(request.param, tmp_path_factory.mktemp(f"db-{request.param}"))


@pytest.fixture(scope="session")
def db_url(database_server: DatabaseServer) -> Iterator[str]:
    from coati_payroll.db import migrate

    url = database_server.create()
    try:
        migrate.upgrade(url)
        yield url
    finally:
        database_server.drop(url)


@pytest.fixture
def empty_db_url(database_server: DatabaseServer) -> Iterator[str]:
    url = database_server.create()
    try:
        yield url
    finally:
        database_server.drop(url)


@pytest.fixture(scope="session")
def _session_engine(db_url: str) -> Iterator[Engine]:
    from coati_payroll.db.engine import make_engine

    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(_session_engine: Engine) -> Iterator[Engine]:
    yield _session_engine
    empty_tables(_session_engine)


def empty_tables(engine: Engine) -> None:
    """Delete every row of every table, children first (Core SQL: no ORM events)."""
    import coati_payroll.db.models  # noqa: F401 - registers every table
    from coati_payroll.db.base import Base

    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    from coati_payroll.db.engine import make_session_factory

    session = make_session_factory(engine)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@pytest.fixture
def factory(session: Session) -> Factory:
    from coati_payroll.db.testing import Factory

    return Factory(session)


@pytest.fixture
def count_queries(engine: Engine) -> Callable[..., AbstractContextManager[QueryCounter]]:
    """``with count_queries() as queries:`` counts the statements run on ``engine`` (or on
    the engine passed in) inside the block."""
    from coati_payroll.db.testing import count_queries as counter

    def count(on: Engine | None = None) -> AbstractContextManager[QueryCounter]:
        return counter(on or engine)

    return count
