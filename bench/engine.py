"""Benchmark: the calculation core alone on the standard workload (design.md §3).

Usage: python bench/engine.py --employees 100000

Builds the setup and N employee snapshots in memory, compiles once, computes every payslip on one
core, checks a few payslips against plain arithmetic (standard_workload.expected_net) and prints
one JSON line: employees, seconds (compute only), employees_per_second, total_net, peak_rss_mb,
checked. Payslips are consumed as they are produced (totals kept, payslips dropped), as the
persistence layer does when it writes in chunks. Exit status 1 if a check fails.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from coati_payroll.core.engine import compile_payroll
from coati_payroll.core.results import PayslipStatus
from standard_workload import expected_net, standard_employee, standard_setup


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    args = parser.parse_args()
    n = args.employees
    employees = [standard_employee(i) for i in range(n)]
    samples = sorted({0, 1, 5, 12, n // 2, n - 1} & set(range(n)))

    started = time.perf_counter()
    compiled = compile_payroll(standard_setup())
    total_net = Decimal(0)
    kept = {}
    failed = 0
    for i, employee in enumerate(employees):
        payslip = compiled.compute(employee)
        if payslip.status is not PayslipStatus.OK:
            failed += 1
            continue
        total_net += payslip.net
        if i in samples:
            kept[i] = payslip
    seconds = time.perf_counter() - started

    mismatches = [
        {"employee": i, "engine": str(kept[i].net), "plain": str(expected_net(i))}
        for i in samples if i not in kept or kept[i].net != expected_net(i)
    ]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "benchmark": "engine",
        "employees": n,
        "seconds": round(seconds, 3),
        "employees_per_second": round(n / seconds) if seconds else None,
        "total_net": str(total_net),
        "peak_rss_mb": round(peak_mb, 1),
        "checked": len(samples),
        "failed": failed,
        "mismatches": mismatches,
    }))
    return 1 if mismatches or failed else 0


if __name__ == "__main__":
    sys.exit(main())
