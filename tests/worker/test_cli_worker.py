"""``payrollctl worker`` builds the Dramatiq command from the settings; ``runs progress``,
``resume`` and ``cancel`` refuse what they cannot do."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from coati_payroll.cli.main import payrollctl


def test_worker_command_uses_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DRAMATIQ_WORKER_PROCESSES", "3")
    monkeypatch.setenv("DRAMATIQ_WORKER_THREADS", "5")
    result = CliRunner().invoke(payrollctl, ["worker", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(
        "dramatiq coati_payroll.worker.app --processes 3 --threads 5")
    result = CliRunner().invoke(payrollctl, ["worker", "--dry-run", "--threads", "2"])
    assert result.output.strip().endswith("--processes 3 --threads 2")


def test_worker_needs_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("QUEUE_ENABLED", "0")
    result = CliRunner().invoke(payrollctl, ["worker", "--dry-run"])
    assert result.exit_code == 3 and "REDIS_URL" in result.output


def test_worker_refuses_invalid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAMATIQ_WORKER_THREADS", "0")
    result = CliRunner().invoke(payrollctl, ["worker", "--dry-run"])
    assert result.exit_code == 3 and "DRAMATIQ_WORKER_THREADS" in result.output


def test_resume_needs_the_queue(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("QUEUE_ENABLED", "0")
    result = CliRunner().invoke(payrollctl, ["runs", "resume", "1"])
    assert result.exit_code == 1 and "queue is disabled" in result.output


@pytest.mark.parametrize("database_server", ["sqlite"], indirect=True)
def test_calculate_with_the_queue_progress_and_cancel(engine: object, db_url: str) -> None:
    import json

    from background_support import reference

    ref = reference(engine, 6)  # type: ignore[arg-type]
    env = {"DATABASE_URL": db_url, "ENVIRONMENT": "test", "QUEUE_ENABLED": "0"}
    runner = CliRunner()
    result = runner.invoke(payrollctl, ["runs", "cancel", str(ref.run_id)], env=env)
    assert result.exit_code == 1 and "only a calculating run" in result.output
    result = runner.invoke(payrollctl, ["runs", "calculate", "--queue", "--json",
                                        str(ref.run_id)], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["mode"], data["reason"]) == ("synchronous", "queue_disabled")
    result = runner.invoke(payrollctl, ["runs", "progress", str(ref.run_id)], env=env)
    assert result.exit_code == 0, result.output
    assert "generated (synchronous), 6/6 employees (100 %), 1 with errors" in result.output
    assert "the background queue is disabled" in result.output
