"""Engine settings per backend, and the query counter."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.engine import make_engine
from coati_payroll.db.models import Company
from coati_payroll.db.testing import Factory


def test_backend_settings(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        name = connection.dialect.name
        if name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        elif name == "mysql":
            mode = connection.exec_driver_sql("SELECT @@SESSION.sql_mode").scalar()
            assert "STRICT_ALL_TABLES" in mode
            charset = connection.exec_driver_sql("SELECT @@character_set_client").scalar()
            assert charset == "utf8mb4"
            isolation = connection.exec_driver_sql("SELECT @@SESSION.tx_isolation").scalar()
            assert isolation == "READ-COMMITTED"
        else:
            assert name == "postgresql"


def test_in_memory_sqlite_works() -> None:
    engine = make_engine("sqlite://")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_count_queries(session: Session, factory: Factory, count_queries) -> None:  # type: ignore[no-untyped-def]
    factory.company()
    factory.company()
    session.commit()
    with count_queries() as queries:
        session.scalars(sa.select(Company)).all()
    assert queries.count == 1
    assert "companies" in queries.statements[0]


def test_sqlite_file_folder_is_created_on_first_use(tmp_path) -> None:
    from coati_payroll.db.engine import make_engine

    path = tmp_path / "instance" / "nested" / "coati.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    engine.dispose()
    assert path.exists()
