"""``payrollctl runs``: the payroll run lifecycle from the command line.

``create`` → ``calculate`` (``recalculate``) → ``approve`` → ``apply``; ``void`` with a
reason; ``show``, ``compare`` and ``export`` (CSV, XLSX, JSON) read. Background runs
(docs/background.md): ``calculate --queue`` decides like the web, ``progress`` shows one,
``resume`` sends again what an outage left unsent, ``cancel`` stops one. Exit codes as in
:mod:`coati_payroll.cli.output`: 0 done, 1 refused (wrong state, a calculation already running,
failed employees at approval, a setup that does not compile, an unknown run), 2 bad usage or
input, 3 settings or database problem.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from coati_payroll.cli.context import load_settings, unit_of_work_factory
from coati_payroll.cli.output import EXIT_BAD_INPUT, EXIT_REFUSED, emit, fail, handle_errors
from coati_payroll.cli.output import json_option as json_flag

if TYPE_CHECKING:
    from coati_payroll.services.runs import RunSummary
    from coati_payroll.services.uow import UnitOfWork

ACTOR_NAME = "payrollctl"


@contextmanager
def _uow() -> Iterator[Callable[[], UnitOfWork]]:
    with unit_of_work_factory(load_settings()) as new_uow:
        yield new_uow


def _actor() -> Any:
    from coati_payroll.services.actor import Actor

    return Actor.system(ACTOR_NAME)


def _summary_text(run: RunSummary) -> str:
    lines = [f"run {run.id}: {run.status.value}, {run.period_start} to {run.period_end}"
             + (f" (paid {run.payment_date})" if run.payment_date else "")]
    if run.employees:
        lines.append(f"  employees {run.employees}: computed {run.computed}, excluded "
                     f"{run.excluded}, failed {run.failed}")
        lines.append(f"  gross {run.gross}  deductions {run.total_deductions}  net {run.net}  "
                     f"employer cost {run.employer_cost}")
    if run.void_reason:
        lines.append(f"  voided: {run.void_reason}")
    if run.error_message:
        lines.append(f"  error: {run.error_message}")
    return "\n".join(lines)


def _run_call(as_json: bool, call: Callable[[], RunSummary]) -> None:
    """Run a lifecycle service and print the run; a setup that does not compile exits 1."""
    from coati_payroll.core.errors import ConfigurationError

    try:
        summary = call()
    except ConfigurationError as error:
        fail(EXIT_REFUSED, f"the payroll setup does not compile: {error}", as_json,
             error="configuration")
    emit(summary, as_json, _summary_text(summary))


@click.group()
def runs() -> None:
    """Create, calculate, approve, apply, void, compare and export payroll runs."""


@runs.command()
@click.option("--definition", "definition_code", required=True, help="Payroll definition code.")
@click.option("--company", default=None, help="Company code (when several have the code).")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Period start (default: the period after the last run).")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Period end.")
@click.option("--payment-date", type=click.DateTime(["%Y-%m-%d"]), default=None)
@json_flag
@handle_errors
def create(definition_code: str, company: str | None, start: Any, end: Any, payment_date: Any,
           as_json: bool) -> None:
    """Create a draft run of a payroll definition."""
    import sqlalchemy as sa

    from coati_payroll.db import models as m
    from coati_payroll.services.runs import create_run, suggest_next_period

    if (start is None) != (end is None):
        fail(EXIT_BAD_INPUT, "give both --start and --end, or neither", as_json)
    with _uow() as new_uow:
        with new_uow() as uow:
            query = sa.select(m.PayrollDefinition.id).where(
                m.PayrollDefinition.code == definition_code)
            if company is not None:
                query = query.join(m.Company).where(m.Company.code == company)
            found = uow.session.execute(query).scalars().all()
            if len(found) != 1:
                fail(EXIT_BAD_INPUT, f"payroll definition {definition_code!r}: "
                     + ("not found" if not found else "several companies have it; "
                        "give --company"), as_json)
            definition_id = found[0]
            if start is None:
                first, last = suggest_next_period(uow.session, definition_id, date.today())
            else:
                first, last = start.date(), end.date()
        _run_call(as_json, lambda: create_run(
            new_uow(), _actor(), definition_id, first, last,
            None if payment_date is None else payment_date.date()))


@runs.command()
@click.argument("run_id", type=int)
@click.option("--chunk-size", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--queue", "use_queue", is_flag=True,
              help="Decide like the web: in the background when QUEUE_ENABLED, Redis answers "
                   "and the run has more than BACKGROUND_PAYROLL_THRESHOLD employees.")
@json_flag
@handle_errors
def calculate(run_id: int, chunk_size: int, use_queue: bool, as_json: bool) -> None:
    """Calculate a draft run (or retry one in error)."""
    from coati_payroll.services.runs import calculate_run

    if use_queue:
        _calculate_queued(run_id, chunk_size, as_json)
        return
    with _uow() as new_uow:
        _run_call(as_json, lambda: calculate_run(new_uow(), _actor(), run_id,
                                                 chunk_size=chunk_size))


def _calculate_queued(run_id: int, chunk_size: int, as_json: bool) -> None:
    from coati_payroll.core.errors import ConfigurationError
    from coati_payroll.queue import QueueClient, probe_redis
    from coati_payroll.services.run_dispatch import calculate_or_enqueue

    settings = load_settings()
    client = QueueClient.from_settings(settings)
    with _uow() as new_uow:
        try:
            outcome = calculate_or_enqueue(
                new_uow(), _actor(), run_id, settings,
                None if client is None else client.enqueue_chunk, probe_redis,
                sync_chunk_size=chunk_size)
        except ConfigurationError as error:
            fail(EXIT_REFUSED, f"the payroll setup does not compile: {error}", as_json,
                 error="configuration")
    decision = outcome.decision
    data: dict[str, Any] = {"run_id": run_id, "mode": outcome.mode,
                            "reason": decision.reason_code, "reason_text": decision.reason_text}
    if outcome.summary is not None:
        emit({**data, "run": outcome.summary}, as_json,
             f"{decision.reason_text}\n{_summary_text(outcome.summary)}")
    else:
        assert outcome.started is not None
        emit({**data, "chunks": outcome.started.chunks, "employees": outcome.started.employees},
             as_json, f"run {run_id}: {decision.reason_text}; {outcome.started.chunks} chunks "
             f"queued (payrollctl runs progress {run_id})")


@runs.command()
@click.argument("run_id", type=int)
@json_flag
@handle_errors
def progress(run_id: int, as_json: bool) -> None:
    """Show a run's calculation progress and its latest activity."""
    from coati_payroll.services.run_progress import progress as run_progress

    with _uow() as new_uow, new_uow() as uow:
        data = run_progress(uow.session, run_id)
    text = [f"run {run_id}: {data['status']} ({data['mode'] or 'not calculated'}), "
            f"{data['done']}/{data['total']} employees ({data['percent']} %), "
            f"{data['failed']} with errors"]
    chunks = data["chunks"]
    if chunks["total"]:
        text.append(f"  chunks: {chunks['done']} done, {chunks['running']} running, "
                    f"{chunks['pending']} pending, {chunks['cancelled']} cancelled "
                    f"of {chunks['total']}")
    text += [f"  failed {f['code']}: {f['reason']}" for f in data["failed_employees"]]
    text += [f"  {e['at']} {e['level']}: {e['message']}" for e in data["events"]]
    emit(data, as_json, "\n".join(text))


def _queue() -> Any:
    from coati_payroll.queue import QueueClient

    client = QueueClient.from_settings(load_settings())
    if client is None:
        fail(EXIT_REFUSED, "the background queue is disabled (QUEUE_ENABLED=0 or no REDIS_URL)")
    return client


@runs.command()
@click.argument("run_id", type=int)
@json_flag
@handle_errors
def resume(run_id: int, as_json: bool) -> None:
    """Send again the chunks of a background run that are missing (after an outage)."""
    from coati_payroll.queue import QueueUnavailable
    from coati_payroll.services.background_recovery import resume as resume_run

    client = _queue()
    try:
        with _uow() as new_uow:
            sent = resume_run(new_uow(), _actor(), run_id, client.enqueue_chunk)
    except QueueUnavailable as error:
        fail(EXIT_REFUSED, str(error), as_json, error="queue_unavailable")
    emit({"run_id": run_id, "chunks_sent": sent}, as_json,
         f"run {run_id}: {sent} chunk(s) sent to the workers")


@runs.command()
@click.argument("run_id", type=int)
@json_flag
@handle_errors
def cancel(run_id: int, as_json: bool) -> None:
    """Stop a calculating run: chunks cancelled, results deleted, back to draft."""
    from coati_payroll.services.background_recovery import cancel as cancel_run
    from coati_payroll.services.runs import show_run

    with _uow() as new_uow:
        cancel_run(new_uow(), _actor(), run_id)
        _run_call(as_json, lambda: show_run(new_uow(), run_id))


@runs.command()
@click.argument("run_id", type=int)
@click.option("--refresh-setup", is_flag=True,
              help="Take a new setup snapshot (concept versions, tables, exchange rates) "
                   "instead of reusing the run's.")
@json_flag
@handle_errors
def recalculate(run_id: int, refresh_setup: bool, as_json: bool) -> None:
    """Delete a generated run's results and calculate it again (nothing is charged twice)."""
    from coati_payroll.services.runs import recalculate_run

    with _uow() as new_uow:
        _run_call(as_json, lambda: recalculate_run(new_uow(), _actor(), run_id,
                                                   refresh_setup=refresh_setup))


@runs.command()
@click.argument("run_id", type=int)
@json_flag
@handle_errors
def approve(run_id: int, as_json: bool) -> None:
    """Approve a generated run (refused while any employee failed)."""
    from coati_payroll.services.runs import approve_run

    with _uow() as new_uow:
        _run_call(as_json, lambda: approve_run(new_uow(), _actor(), run_id))


@runs.command("apply")
@click.argument("run_id", type=int)
@json_flag
@handle_errors
def apply_(run_id: int, as_json: bool) -> None:
    """Apply an approved run: year-to-date balances, loan payments, novelties executed."""
    from coati_payroll.services.runs_apply import apply_run

    with _uow() as new_uow:
        _run_call(as_json, lambda: apply_run(new_uow(), _actor(), run_id))


@runs.command()
@click.argument("run_id", type=int)
@click.option("--reason", required=True, help="Why the run is voided (kept in the audit log).")
@json_flag
@handle_errors
def void(run_id: int, reason: str, as_json: bool) -> None:
    """Void a run; an applied run is reversed exactly."""
    from coati_payroll.services.runs_apply import void_run

    with _uow() as new_uow:
        _run_call(as_json, lambda: void_run(new_uow(), _actor(), run_id, reason))


@runs.command()
@click.argument("run_id", type=int)
@json_flag
@handle_errors
def show(run_id: int, as_json: bool) -> None:
    """Show a run's status and totals."""
    from coati_payroll.services.runs import show_run

    with _uow() as new_uow:
        _run_call(as_json, lambda: show_run(new_uow(), run_id))


@runs.command()
@click.argument("run_a", type=int)
@click.argument("run_b", type=int)
@json_flag
@handle_errors
def compare(run_a: int, run_b: int, as_json: bool) -> None:
    """Compare run A (before) with run B (after): per employee and concept, B − A."""
    from coati_payroll.cli.output import table
    from coati_payroll.services.runs_compare import compare_runs

    with _uow() as new_uow:
        result = compare_runs(new_uow(), run_a, run_b)
    data = {
        "run_a": run_a, "run_b": run_b, "unchanged": result.unchanged,
        "employees": [{"employee": e.code, "name": e.name, "status_a": e.status_a,
                       "status_b": e.status_b,
                       "amounts": [{"name": d.name, "a": d.a, "b": d.b, "delta": d.delta}
                                   for d in e.amounts]} for e in result.employees],
        "new_employees": [{"employee": e.code, "name": e.name, "net": e.net}
                          for e in result.new_employees],
        "missing_employees": [{"employee": e.code, "name": e.name, "net": e.net}
                              for e in result.missing_employees],
        "totals": [{"name": d.name, "a": d.a, "b": d.b, "delta": d.delta}
                   for d in result.totals],
    }
    rows = [[e.code, d.name, d.a, d.b, d.delta] for e in result.employees for d in e.amounts]
    text = [f"run {run_a} → run {run_b}: {len(result.employees)} changed, {result.unchanged} "
            f"unchanged, {len(result.new_employees)} new, {len(result.missing_employees)} "
            "missing"]
    if rows:
        text.append(table(["employee", "amount", "a", "b", "delta"], rows))
    text += [f"new: {e.code} net {e.net}" for e in result.new_employees]
    text += [f"missing: {e.code} net {e.net}" for e in result.missing_employees]
    text.append(table(["total", "a", "b", "delta"],
                      [[d.name, d.a, d.b, d.delta] for d in result.totals]))
    emit(data, as_json, "\n".join(text))


@runs.command()
@click.argument("run_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), default="csv",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output; required for xlsx).")
@handle_errors
def export(run_id: int, fmt: str, output: Path | None) -> None:
    """Export a run's results: one row per employee, totals and one column per concept."""
    from coati_payroll.db.types import to_jsonable
    from coati_payroll.services.runs import get_run
    from coati_payroll.services.runs_results import result_rows

    if fmt == "xlsx" and output is None:
        fail(EXIT_BAD_INPUT, "--format xlsx needs --output FILE")
    with _uow() as new_uow, new_uow() as uow:
        get_run(uow.session, run_id)
        header, body = result_rows(uow.session, run_id).table()
    if fmt == "xlsx":
        assert output is not None
        _write_xlsx(output, header, body)
        return
    if fmt == "json":
        text = json.dumps(to_jsonable([dict(zip(header, row, strict=True)) for row in body]),
                          indent=2, ensure_ascii=False) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[to_jsonable(v) for v in row] for row in body])
        text = buffer.getvalue()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def _write_xlsx(path: Path, header: list[str], body: list[list[object]]) -> None:
    """Amounts are written as exact text-free numbers via their decimal string (openpyxl
    stores Decimal as a number cell)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("run")
    sheet.append(header)
    for row in body:
        sheet.append(row)
    workbook.save(path)
