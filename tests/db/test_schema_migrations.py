"""Migrations upgrade and downgrade on every backend and create exactly what the models say."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coati_payroll.db import migrate
from coati_payroll.db.base import Base


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_models_match_migrations(db_url: str) -> None:
    assert migrate.check(db_url) == []


def test_database_is_at_head(db_url: str) -> None:
    assert migrate.current(db_url) == migrate.head()


def test_upgrade_downgrade_upgrade(empty_db_url: str) -> None:
    assert migrate.current(empty_db_url) is None
    migrate.upgrade(empty_db_url)
    assert migrate.current(empty_db_url) == migrate.head()
    assert _tables(empty_db_url) == set(Base.metadata.tables)

    migrate.downgrade(empty_db_url, "base")
    assert migrate.current(empty_db_url) is None
    assert _tables(empty_db_url) == set()

    migrate.upgrade(empty_db_url)
    assert migrate.check(empty_db_url) == []


def test_check_reports_differences(empty_db_url: str) -> None:
    """check() is not vacuous: it sees missing tables and a missing index."""
    assert any(diff[0] == "add_table" for diff in migrate.check(empty_db_url))
    migrate.upgrade(empty_db_url)
    engine = sa.create_engine(empty_db_url, poolclass=sa.NullPool)
    try:
        with engine.begin() as connection:
            [index] = [index for index in Base.metadata.tables["employees"].indexes
                       if index.name == "ix_employees_national_id"]
            index.drop(connection)
    finally:
        engine.dispose()
    differences = migrate.check(empty_db_url)
    assert [diff[0] for diff in differences] == ["add_index"]


def test_constraint_names_fit_every_backend() -> None:
    import coati_payroll.db.models  # noqa: F401

    names = [index.name for table in Base.metadata.tables.values() for index in table.indexes]
    names += [constraint.name for table in Base.metadata.tables.values()
              for constraint in table.constraints]
    assert all(isinstance(name, str) for name in names)
    too_long = [name for name in names if len(str(name)) > 63]
    assert too_long == []


@pytest.mark.parametrize("database_server", ["sqlite"], indirect=True)
def test_migration_api_takes_an_engine(empty_db_url: str) -> None:
    from coati_payroll.db.engine import make_engine

    engine = make_engine(empty_db_url)
    try:
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
    finally:
        engine.dispose()
