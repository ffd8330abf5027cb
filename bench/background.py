"""Benchmark: one payroll run calculated in the background by real Dramatiq worker processes.

Usage: python bench/background.py --employees 10000 --processes 2 --db URL
       [--threads 8] [--chunk-size 250] [--redis redis://127.0.0.1:6379/14]

``--db`` must name an existing, empty PostgreSQL (or MariaDB) database: the standard workload
(design.md §3, standard_workload.py) is written into it by ``bench/run.py --setup-only`` in a
child process, untimed. Then ``dramatiq coati_payroll.worker.app --processes P --threads T`` is
started with DATABASE_URL and REDIS_URL pointing there, and once every worker process has sent
its heartbeat, the run is handed to the workers with ``calculate_or_enqueue`` (threshold 0).
The time measured is from that call (claim, chunks created, messages sent) until the run is
``generated`` (polled every 20 ms). Prints one JSON line: employees, processes, threads,
chunk_size, seconds, employees_per_second, status, and a check of a few payslips against
standard_workload.expected_net. Exit status 1 if a check fails.

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
from coati_payroll.db.models import Employee, PayrollRun, RunEmployee, RunStatus
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


def measure(args: argparse.Namespace, settings: Settings, client: QueueClient) -> dict[str, Any]:
    engine = make_engine(args.db)
    uow = UnitOfWork(make_session_factory(engine))
    with uow:
        definition_id = uow.session.execute(sa.text(
            "SELECT id FROM payroll_definitions WHERE code = 'BENCH'")).scalar_one()
    setup = standard_setup()
    run = create_run(uow, ACTOR, definition_id, setup.period.start, setup.period.end,
                     setup.period.payment_date or date(2026, 1, 31))
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
        "mismatches": mismatches,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--chunk-size", type=int, default=250)
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
        result = measure(args, settings, client)
    finally:
        stop_workers(workers)
        client.close()
    print(json.dumps(result))
    return 1 if result["mismatches"] or result["status"] != "generated" else 0


if __name__ == "__main__":
    sys.exit(main())
