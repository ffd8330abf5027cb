"""Benchmark: one payroll run calculated in the background by real Dramatiq worker processes.

Usage: python bench/background.py --employees 10000 --processes 2 --db URL
       [--threads 2] [--chunk-size 500] [--redis redis://127.0.0.1:6379/14]

``--db`` must name an existing, empty PostgreSQL (or MariaDB) database: the standard workload
(design.md §3, standard_workload.py) is written into it by ``bench/run.py --setup-only`` in a
child process, untimed. Then ``dramatiq coati_payroll.worker.app --processes P --threads T`` is
started with DATABASE_URL and REDIS_URL pointing there, and once every worker process has sent
its heartbeat, the run is handed to the workers with ``calculate_or_enqueue`` (threshold 0).
The time measured is from that call (claim, chunks created, messages sent) until the run is
``generated`` (polled every 20 ms). Prints one JSON line: employees, processes, threads,
chunk_size, chunks, seconds, employees_per_second, status, a check of a few payslips against
standard_workload.expected_net, and what limited the run: chunk_ms, busy, per_worker,
first_claim_ms (:func:`chunk_timeline`), worker_cpu_s, db_cpu_s, cores_used (:func:`cpu_use`,
Linux with the database on this host), load_average and cpu_count. Exit status 1 if a check
fails. The defaults (2 threads, chunks of 500) are the recommendation of docs/background.md.

``--redis`` should be a Redis database no installation uses: the benchmark deletes the
``coati-payroll:*`` keys there before it starts.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import redis
import sqlalchemy as sa

from coati_payroll.db.engine import make_engine, make_session_factory
from coati_payroll.db.models import (
    Employee,
    PayrollRun,
    RunChunk,
    RunEmployee,
    RunEvent,
    RunStatus,
)
from coati_payroll.queue import NAMESPACE, QueueClient
from coati_payroll.services.actor import Actor
from coati_payroll.services.run_dispatch import calculate_or_enqueue
from coati_payroll.services.runs import create_run
from coati_payroll.services.uow import UnitOfWork
from coati_payroll.settings import Settings
from standard_workload import expected_net, standard_setup

ACTOR = Actor.system("bench")
HERE = Path(__file__).resolve().parent


def worker_environment(db: str, redis_url: str, processes: int, threads: int,
                       chunk_size: int) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": db, "REDIS_URL": redis_url, "QUEUE_ENABLED": "1",
            "BACKGROUND_PAYROLL_THRESHOLD": "0", "PAYROLL_CHUNK_SIZE": str(chunk_size),
            "DRAMATIQ_WORKER_PROCESSES": str(processes),
            "DRAMATIQ_WORKER_THREADS": str(threads), "LOG_LEVEL": "WARNING",
            "ENVIRONMENT": "development"}


def start_workers(env: dict[str, str], processes: int, threads: int) -> subprocess.Popen[bytes]:
    dramatiq = str(Path(sys.executable).with_name("dramatiq"))
    return subprocess.Popen(
        [dramatiq, "coati_payroll.worker.app", "--processes", str(processes), "--threads",
         str(threads)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)


def stop_workers(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for_workers(client: QueueClient, processes: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.status().workers_alive >= processes:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{processes} worker processes did not report within {timeout} s")


def cpu_seconds(workers_group: int, database: str | None) -> tuple[float, float] | None:
    """CPU seconds (user + system) used so far by the worker processes (process group
    ``workers_group``) and by the PostgreSQL backends connected to ``database`` on this
    host, from /proc; None where /proc is not available (not Linux)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    workers = backends = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            title = (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        used = int(fields[11]) + int(fields[12])
        if int(fields[2]) == workers_group:
            workers += used
        elif database and title.startswith("postgres: ") and f" {database} " in title:
            backends += used
    return workers / tick, backends / tick


def measure(args: argparse.Namespace, settings: Settings, client: QueueClient,
            workers_group: int) -> dict[str, Any]:
    engine = make_engine(args.db)
    database = engine.url.database
    uow = UnitOfWork(make_session_factory(engine))
    with uow:
        definition_id = uow.session.execute(sa.text(
            "SELECT id FROM payroll_definitions WHERE code = 'BENCH'")).scalar_one()
    setup = standard_setup()
    run = create_run(uow, ACTOR, definition_id, setup.period.start, setup.period.end,
                     setup.period.payment_date or date(2026, 1, 31))
    cpu_before = cpu_seconds(workers_group, database)
    started = time.perf_counter()
    outcome = calculate_or_enqueue(uow, ACTOR, run.id, settings, client.enqueue_chunk,
                                   lambda url: client.probe())
    queued = time.perf_counter() - started
    if outcome.mode != "background":
        raise RuntimeError(f"the run was not sent to the background: "
                           f"{outcome.decision.reason_text}")
    deadline = started + args.timeout
    status = RunStatus.CALCULATING
    while time.perf_counter() < deadline:
        with engine.connect() as connection:
            status = RunStatus(connection.execute(
                sa.select(PayrollRun.status).where(PayrollRun.id == run.id)).scalar_one())
        if status is not RunStatus.CALCULATING:
            break
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    cpu_after = cpu_seconds(workers_group, database)
    n = args.employees
    samples = sorted({0, 1, 5, 12, n // 2, n - 1} & set(range(n)))
    codes = {f"E{i:06d}": i for i in samples}
    with uow:
        nets = dict(uow.session.execute(
            sa.select(Employee.code, RunEmployee.net)
            .join(RunEmployee, RunEmployee.employee_id == Employee.id)
            .where(RunEmployee.run_id == run.id, Employee.code.in_(codes))).all())
        stored = uow.session.execute(sa.select(sa.func.count()).select_from(RunEmployee)
                                     .where(RunEmployee.run_id == run.id)).scalar_one()
        timeline = chunk_timeline(uow, run.id, seconds, args.processes * args.threads)
    engine.dispose()
    mismatches = [{"employee": i, "stored": str(nets.get(code)), "plain": str(expected_net(i))}
                  for code, i in codes.items() if nets.get(code) != expected_net(i)]
    return {
        "benchmark": "background", "backend": engine.dialect.name, "employees": n,
        "processes": args.processes, "threads": args.threads, "chunk_size": args.chunk_size,
        "chunks": outcome.started.chunks if outcome.started else None,
        "seconds": round(seconds, 3), "queued_seconds": round(queued, 3),
        "employees_per_second": round(n / seconds) if seconds else None,
        "status": status.value, "stored": stored, "checked": len(samples),
        "mismatches": mismatches, **timeline, **cpu_use(cpu_before, cpu_after, seconds),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count(),
    }


def cpu_use(before: tuple[float, float] | None, after: tuple[float, float] | None,
            seconds: float) -> dict[str, Any]:
    """``worker_cpu_s`` and ``db_cpu_s``: CPU seconds the worker processes and the
    database backends used while the run was calculated; ``cores_used``: both over the
    elapsed time (on a 2-core machine, 2.0 means nothing more can go faster).
    (PostgreSQL on this host only; the backends of the enqueue connection are counted too.)"""
    if before is None or after is None or not seconds:
        return {}
    worker, db = after[0] - before[0], after[1] - before[1]
    return {"worker_cpu_s": round(worker, 2), "db_cpu_s": round(db, 2),
            "cores_used": round((worker + db) / seconds, 2)}


def chunk_timeline(uow: UnitOfWork, run_id: int, seconds: float,
                   slots: int) -> dict[str, Any]:
    """Where the time went, from the chunks' own records: ``chunk_ms`` (median time one
    chunk took to compute and write, from its ``chunk.done`` event), ``busy`` (the sum of
    those over ``seconds`` × processes × threads: 1.0 means no thread ever waited for a
    message), ``per_worker`` (chunks done by each worker process: the balance) and
    ``first_claim_ms`` (from the enqueue call to the first chunk claimed)."""
    session = uow.session
    params = [p for p in session.execute(
        sa.select(RunEvent.params).where(RunEvent.run_id == run_id,
                                         RunEvent.code == "chunk.done")).scalars() if p]
    millis = sorted(int(p["milliseconds"]) for p in params)
    per_worker: dict[str, int] = {}
    for p in params:
        per_worker[p["worker"]] = per_worker.get(p["worker"], 0) + 1
    started = session.execute(
        sa.select(sa.func.min(RunChunk.started_at)).where(RunChunk.run_id == run_id)
    ).scalar_one()
    enqueued = session.execute(
        sa.select(sa.func.min(RunEvent.at)).where(RunEvent.run_id == run_id,
                                                  RunEvent.code == "background.started")
    ).scalar_one()
    first = (round((started - enqueued).total_seconds() * 1000)
             if started is not None and enqueued is not None else None)
    return {
        "chunk_ms": millis[len(millis) // 2] if millis else None,
        "busy": round(sum(millis) / 1000 / (seconds * slots), 2) if seconds else None,
        "per_worker": sorted(per_worker.values(), reverse=True),
        "first_claim_ms": first,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="threads per worker process")
    parser.add_argument("--chunk-size", type=int, default=500, help="employees per chunk")
    parser.add_argument("--db", required=True, help="an existing, empty database (URL)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait at most")
    args = parser.parse_args()
    subprocess.run([sys.executable, str(HERE / "run.py"), "--setup-only", "--db", args.db,
                    "--employees", str(args.employees)], check=True, stdout=subprocess.DEVNULL)
    connection = redis.Redis.from_url(args.redis)
    for key in connection.scan_iter(match=f"{NAMESPACE}:*"):
        connection.delete(key)
    connection.close()
    env = worker_environment(args.db, args.redis, args.processes, args.threads,
                             args.chunk_size)
    settings = Settings.from_env(env)
    client = QueueClient(args.redis)
    workers = start_workers(env, args.processes, args.threads)
    try:
        wait_for_workers(client, args.processes)
        result = measure(args, settings, client, workers.pid)
    finally:
        stop_workers(workers)
        client.close()
    print(json.dumps(result))
    return 1 if result["mismatches"] or result["status"] != "generated" else 0


if __name__ == "__main__":
    sys.exit(main())
