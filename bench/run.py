"""Benchmark: one payroll run end to end through the database (load, compute, persist).

Usage: python bench/run.py --employees 10000 [--db URL] [--chunk-size 1000]

Writes the standard workload (design.md §3, built by standard_workload.py as core snapshots) into
the database with bulk inserts — in a child process, so that neither its time nor its memory is
measured — then creates a run and times ``calculate_run``: loading setup and employees, computing
with the core, writing the results in chunks, committing. Prints one JSON line: employees,
seconds, employees_per_second, sql_statements (every statement sent, counted with a
``before_cursor_execute`` listener; an executemany counts once, a batch of insertmanyvalues or
a COPY on PostgreSQL once), selects, bulk_writes (INSERT or COPY), peak_rss_mb,
and a check of a few payslips against standard_workload.expected_net. Exit status 1 if a check
fails.

``--db`` defaults to a SQLite file in a temporary directory (removed afterwards). Any other URL
must name an existing, empty database (it is migrated; nothing is dropped).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from sqlalchemy import event

from coati_payroll.db import migrate
from coati_payroll.db.engine import make_engine, make_session_factory
from coati_payroll.db.models import Employee, RunEmployee
from coati_payroll.services.actor import Actor
from coati_payroll.services.runs import calculate_run, create_run
from coati_payroll.services.scenario_db import write_payroll
from coati_payroll.services.uow import UnitOfWork
from standard_workload import expected_net, standard_employee, standard_setup

ACTOR = Actor.system("bench")


def setup_database(url: str, employees: int) -> None:
    """Migrate and write the workload (runs in the child process)."""
    migrate.upgrade(url)
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    with uow:
        ids = write_payroll(uow.session, ACTOR, standard_setup(),
                            [standard_employee(i) for i in range(employees)], "BENCH",
                            "Standard workload")
        uow.commit()
    print(ids.definition_id)


def measure(url: str, n: int, chunk_size: int) -> dict[str, Any]:
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine))
    with uow:
        definition_id = uow.session.execute(sa.text(
            "SELECT id FROM payroll_definitions WHERE code = 'BENCH'")).scalar_one()
    setup = standard_setup()
    run = create_run(uow, ACTOR, definition_id, setup.period.start, setup.period.end,
                     setup.period.payment_date or date(2026, 1, 31))
    kinds: Counter[str] = Counter()

    def count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
              executemany: bool) -> None:
        kinds[statement.lstrip().split(None, 1)[0].upper()] += 1

    event.listen(engine, "before_cursor_execute", count)
    started = time.perf_counter()
    summary = calculate_run(uow, ACTOR, run.id, chunk_size=chunk_size)
    seconds = time.perf_counter() - started
    event.remove(engine, "before_cursor_execute", count)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    samples = sorted({0, 1, 5, 12, n // 2, n - 1} & set(range(n)))
    codes = {f"E{i:06d}": i for i in samples}
    with uow:
        nets = dict(uow.session.execute(
            sa.select(Employee.code, RunEmployee.net)
            .join(RunEmployee, RunEmployee.employee_id == Employee.id)
            .where(RunEmployee.run_id == run.id, Employee.code.in_(codes))).all())
    mismatches = [{"employee": i, "stored": str(nets.get(code)), "plain": str(expected_net(i))}
                  for code, i in codes.items() if nets.get(code) != expected_net(i)]
    engine.dispose()
    return {
        "benchmark": "run", "backend": engine.dialect.name, "employees": n,
        "seconds": round(seconds, 3),
        "employees_per_second": round(n / seconds) if seconds else None,
        "sql_statements": sum(kinds.values()), "selects": kinds["SELECT"],
        "bulk_writes": kinds["INSERT"] + kinds["COPY"], "chunk_size": chunk_size,
        "peak_rss_mb": round(peak_mb, 1), "status": summary.status.value,
        "failed": summary.failed, "total_net": str(summary.net),
        "checked": len(samples), "mismatches": mismatches,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument("--setup-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_only:
        setup_database(args.db, args.employees)
        return 0
    with tempfile.TemporaryDirectory(prefix="coati-bench-") as directory:
        url = args.db or f"sqlite:///{Path(directory) / 'bench.db'}"
        subprocess.run([sys.executable, __file__, "--setup-only", "--db", url,
                        "--employees", str(args.employees)], check=True,
                       stdout=subprocess.DEVNULL)
        result = measure(url, args.employees, args.chunk_size)
    print(json.dumps(result))
    return 1 if result["mismatches"] or result["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
