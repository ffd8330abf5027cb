"""A run's progress and activity log: what the run page polls and ``payrollctl runs progress``
prints (see docs/background.md).

:func:`add_event` appends one entry to the activity log in the caller's transaction;
:func:`progress` reads the whole picture in four SELECTs and returns plain JSON data.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.results import PayslipStatus
from coati_payroll.db import models as m
from coati_payroll.db.models import ChunkStatus, EventLevel, RunStatus
from coati_payroll.db.types import to_jsonable, utcnow
from coati_payroll.services.errors import NotFound

__all__ = ["add_event", "progress"]

MESSAGE_LENGTH: Final = 1000


def add_event(session: Session, run_id: int, code: str, message: str,
              level: EventLevel = EventLevel.INFO, *, at: datetime | None = None,
              **params: Any) -> None:
    """Append an activity entry: ``code`` (stable, e.g. ``chunk.done``) with ``params`` (for
    translation) and the English ``message``; one INSERT, committed by the caller."""
    session.execute(sa.insert(m.RunEvent).values(
        run_id=run_id, at=at or utcnow(), level=level, code=code,
        message=message[:MESSAGE_LENGTH], params=to_jsonable(params)))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def progress(session: Session, run_id: int, *, events: int = 30,
             failures: int = 100) -> dict[str, Any]:
    """The run's progress as JSON data (the web's JSON endpoint returns it as it is)::

        {"run_id", "status", "mode": "background"|"synchronous"|null, "finished": bool,
         "total", "done", "failed", "percent" (0..100, whole), "error": text|null,
         "chunks": {"total", "pending", "running", "done", "cancelled"},
         "failed_employees": [{"employee_id", "code", "name", "reason_code", "reason"}],
         "events": [{"at", "level", "code", "message", "params"}]  (oldest first, the last N)}

    ``total``/``done``/``failed`` count employees; ``failed`` are employees whose payslip is
    in error (up to ``failures`` of them are listed with the reason). ``mode`` is null for a
    run never calculated. Raises :class:`NotFound`."""
    run = session.execute(
        sa.select(m.PayrollRun.status, m.PayrollRun.progress_total, m.PayrollRun.progress_done,
                  m.PayrollRun.progress_failed, m.PayrollRun.error_message,
                  m.PayrollRun.calculated_at)
        .where(m.PayrollRun.id == run_id)).one_or_none()
    if run is None:
        raise NotFound(f"payroll run {run_id} does not exist", run_id=run_id)
    status, total, done, failed, error, calculated_at = run
    chunk_counts: dict[str, int] = dict.fromkeys((s.value for s in ChunkStatus), 0)
    landed = landed_failed = 0
    for chunk_status, count, employees, with_errors in session.execute(
            sa.select(m.RunChunk.status, sa.func.count(), sa.func.sum(m.RunChunk.employees),
                      sa.func.sum(m.RunChunk.failed))
            .where(m.RunChunk.run_id == run_id).group_by(m.RunChunk.status)):
        chunk_counts[ChunkStatus(chunk_status).value] = int(count)
        if chunk_status == ChunkStatus.DONE:
            landed, landed_failed = int(employees or 0), int(with_errors or 0)
    if status is RunStatus.CALCULATING and any(chunk_counts.values()):
        done, failed = landed, landed_failed  # the run row is updated when it finishes
    chunks_total = sum(chunk_counts.values())
    if chunks_total:
        mode: str | None = "background"
    elif status is RunStatus.CALCULATING or calculated_at is not None:
        mode = "synchronous"
    else:
        mode = None
    failed_rows = session.execute(
        sa.select(m.RunEmployee.employee_id, m.Employee.code, m.Employee.first_name,
                  m.Employee.last_name, m.RunEmployee.failure)
        .join(m.Employee, m.Employee.id == m.RunEmployee.employee_id)
        .where(m.RunEmployee.run_id == run_id, m.RunEmployee.status == PayslipStatus.ERROR)
        .order_by(m.Employee.code).limit(failures)).all()
    recent = session.execute(
        sa.select(m.RunEvent.at, m.RunEvent.level, m.RunEvent.code, m.RunEvent.message,
                  m.RunEvent.params)
        .where(m.RunEvent.run_id == run_id)
        .order_by(m.RunEvent.id.desc()).limit(events)).all()
    total = total or 0
    done = done or 0
    finished = status is not RunStatus.CALCULATING
    if status in (RunStatus.GENERATED, RunStatus.APPROVED, RunStatus.APPLIED):
        percent = 100
    else:
        percent = min(100, done * 100 // total) if total else 0
    return {
        "run_id": run_id, "status": RunStatus(status).value, "mode": mode,
        "finished": finished, "total": total, "done": done, "failed": failed or 0,
        "percent": percent, "error": error,
        "chunks": {"total": chunks_total, **chunk_counts},
        "failed_employees": [
            {"employee_id": employee_id, "code": code, "name": f"{first} {last}".strip(),
             "reason_code": _failure(failure).get("code"),
             "reason": _failure(failure).get("message")}
            for employee_id, code, first, last, failure in failed_rows],
        "events": [
            {"at": _iso(at), "level": EventLevel(level).value, "code": code,
             "message": message, "params": params or {}}
            for at, level, code, message, params in reversed(recent)],
    }


def _failure(failure: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return failure or {}
