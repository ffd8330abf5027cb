"""``payrollctl serve``: migrations, the first admin, waitress on PORT."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from coati_payroll.cli.main import payrollctl


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    import waitress

    calls: dict[str, Any] = {}

    def fake_serve(app: Any, **options: Any) -> None:
        calls["app"] = app
        calls.update(options)

    monkeypatch.setattr(waitress, "serve", fake_serve)
    return calls


def _environment(tmp_path: Path, url: str, **extra: str) -> dict[str, str]:
    return {"ENVIRONMENT": "test", "SECRET_KEY": "s" * 40, "DATABASE_URL": url,
            "COATI_INSTANCE_PATH": str(tmp_path / "instance"), "ADMIN_USER": "boss",
            "ADMIN_PASSWORD": "a-long-admin-password", **extra}


@pytest.mark.parametrize("database_server", ["sqlite"], indirect=True)
def test_serve_migrates_creates_the_admin_and_listens_on_port(
        empty_db_url: str, tmp_path: Path, served: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _environment(tmp_path, empty_db_url, PORT="8123",
                                    COATI_AUTO_MIGRATE="1").items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(payrollctl, ["serve", "--threads", "4"])
    assert result.exit_code == 0, result.output
    assert served["port"] == 8123
    assert served["host"] == "127.0.0.1"
    assert served["threads"] == 4
    assert "listening on http://127.0.0.1:8123/" in result.output
    engine = sa.create_engine(empty_db_url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT username, role FROM users")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("boss", "admin")]
    client = served["app"].test_client()
    assert client.get("/health").status_code == 200
    assert client.get("/ready").status_code == 200


@pytest.mark.parametrize("database_server", ["sqlite"], indirect=True)
def test_serve_options_win_over_settings(db_url: str, tmp_path: Path, served: dict[str, Any],
                                         monkeypatch: pytest.MonkeyPatch, engine: Any) -> None:
    for name, value in _environment(tmp_path, db_url, PORT="8123").items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(payrollctl, ["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("0.0.0.0", 9000)


def test_serve_refuses_a_bad_configuration(monkeypatch: pytest.MonkeyPatch,
                                           served: dict[str, Any]) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    result = CliRunner().invoke(payrollctl, ["serve"])
    assert result.exit_code != 0
    assert "SECRET_KEY is the built-in development key" in result.output
    assert not served
