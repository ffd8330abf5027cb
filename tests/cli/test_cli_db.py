"""payrollctl db: upgrade, current, check, downgrade, backup and restore on every backend."""

from __future__ import annotations

import gzip
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from coati_payroll.cli.main import payrollctl
from coati_payroll.db import migrate
from coati_payroll.db.engine import make_engine
from coati_payroll.db.models import Employee, SalaryChange


def invoke(url: str, *args: str, input: str | None = None):
    return CliRunner().invoke(payrollctl, list(args), input=input,
                              env={"DATABASE_URL": url, "ENVIRONMENT": "test"})


def test_upgrade_current_check_and_downgrade(empty_db_url):
    before = invoke(empty_db_url, "db", "current", "--json")
    assert before.exit_code == 1
    assert json.loads(before.stdout)["current"] is None
    up = invoke(empty_db_url, "db", "upgrade", "--json")
    assert up.exit_code == 0, up.output
    assert json.loads(up.stdout) == {"from": None, "to": migrate.head()}
    assert "nothing to do" in invoke(empty_db_url, "db", "upgrade").stdout
    now = invoke(empty_db_url, "db", "current", "--json")
    assert now.exit_code == 0 and json.loads(now.stdout)["up_to_date"] is True
    check = invoke(empty_db_url, "db", "check")
    assert check.exit_code == 0, check.output
    cancelled = invoke(empty_db_url, "db", "downgrade", "base", input="n\n")
    assert cancelled.exit_code == 1
    down = invoke(empty_db_url, "db", "downgrade", "base", "--yes")
    assert down.exit_code == 0, down.output
    assert migrate.current(empty_db_url) is None


def _rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    import coati_payroll.db.models  # noqa: F401
    from coati_payroll.db.base import Base

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {t.name: [tuple(r) for r in connection.execute(
                sa.select(t).order_by(*t.primary_key.columns))]
                for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


@pytest.mark.parametrize("name", ["backup.jsonl", "backup.jsonl.gz"])
def test_backup_restores_exactly_into_an_empty_database(db_url, engine, empty_db_url,
                                                        tmp_path, session, name):
    assert invoke(db_url, "demo", "--employees", "6").exit_code == 0
    assert invoke(db_url, "users", "ensure-admin").exit_code == 0
    change = session.scalars(sa.select(SalaryChange)).first()
    session.execute(sa.update(SalaryChange).where(SalaryChange.id == change.id)
                    .values(salary="123456789012.345678"))
    session.commit()
    file = tmp_path / name
    result = invoke(db_url, "db", "backup", str(file), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] > 50
    text = gzip.open(file, "rt").read() if name.endswith(".gz") else file.read_text()
    assert '"123456789012.345678"' in text
    assert invoke(db_url, "db", "backup", str(file)).exit_code == 1  # exists, no --force
    migrate.upgrade(empty_db_url)
    restored = invoke(empty_db_url, "db", "restore", str(file))
    assert restored.exit_code == 0, restored.output
    assert _rows(empty_db_url) == _rows(db_url)
    again = invoke(empty_db_url, "db", "restore", str(file))
    assert again.exit_code == 1 and "the database is not empty" in again.stderr
    replaced = invoke(empty_db_url, "db", "restore", str(file), "--replace")
    assert replaced.exit_code == 0, replaced.output
    # the id sequences continue after the restored ids
    new_engine = make_engine(empty_db_url)
    try:
        from coati_payroll.db.engine import make_session_factory
        from coati_payroll.db.testing import Factory

        other = make_session_factory(new_engine)()
        made = Factory(other).employee(company_id=other.scalar(sa.select(Employee.company_id)))
        assert made.id > max(r[0] for r in _rows(db_url)["employees"])
        other.rollback()
        other.close()
    finally:
        new_engine.dispose()


def test_restore_refuses_bad_files_and_changes_nothing(db_url, engine, empty_db_url,
                                                      tmp_path):
    migrate.upgrade(empty_db_url)
    assert invoke(db_url, "demo", "--employees", "2").exit_code == 0
    good = tmp_path / "good.jsonl"
    assert invoke(db_url, "db", "backup", str(good)).exit_code == 0
    lines = good.read_text().splitlines()
    cases = {
        "not-json.jsonl": "{not json\n",
        "other.jsonl": '{"format": "something else"}\n',
        "truncated.jsonl": "\n".join(lines[: len(lines) // 2]) + "\n",
        "bad-row.jsonl": "\n".join([*lines[:3], '["too", "short"]', *lines[3:]]) + "\n",
    }
    for file_name, content in cases.items():
        path = tmp_path / file_name
        path.write_text(content)
        result = invoke(empty_db_url, "db", "restore", str(path), "--json")
        assert result.exit_code == 2, (file_name, result.output)
        assert json.loads(result.stdout)["error"] == "invalid_input"
    assert all(not rows for rows in _rows(empty_db_url).values())
    header = json.loads(lines[0])
    header["revision"] = "0000"
    path = tmp_path / "old.jsonl"
    path.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    old = invoke(empty_db_url, "db", "restore", str(path))
    assert old.exit_code == 1 and "backup is at revision 0000" in old.stderr
    missing = invoke(empty_db_url, "db", "restore", str(tmp_path / "missing.jsonl"))
    assert missing.exit_code == 2


def test_an_unreachable_database_exits_3(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    result = invoke(f"sqlite:///{tmp_path}/a-file/x.db", "db", "upgrade", "--json")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["error"] == "database"
    closed = invoke("postgresql+psycopg://nobody@127.0.0.1:1/x", "db", "current")
    assert closed.exit_code == 3 and "cannot use the database" in closed.stderr


def test_commands_on_a_database_that_is_not_migrated_exit_3(empty_db_url):
    result = invoke(empty_db_url, "users", "list")
    assert result.exit_code == 3
    assert "not migrated" in result.stderr and "payrollctl db upgrade" in result.stderr
