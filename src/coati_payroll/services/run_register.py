"""The register of a payroll run (CSV, XLSX and JSON exports): one row per employee with
its totals and the sum of each concept, in employee-code order, loaded in batches through
:func:`run_queries.iter_payslips` (memory bounded by the batch size)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.model import ConceptKind
from coati_payroll.core.results import BASE_LINE
from coati_payroll.db import models as m
from coati_payroll.services.run_queries import ZERO, RunHeader, iter_payslips
from coati_payroll.services.runs_results import TOTAL_COLUMNS

__all__ = ["iter_register", "register_columns", "register_header"]


def register_columns(session: Session, header: RunHeader) -> list[str]:
    """The concept columns of the register: BASE, then the run's concept codes by kind
    (earnings, deductions, employer) and first position (1 query)."""
    kinds = [ConceptKind.EARNING.value, ConceptKind.DEDUCTION.value, ConceptKind.EMPLOYER.value]
    found = session.execute(
        sa.select(m.RunLine.code, m.RunLine.kind, sa.func.min(m.RunLine.position))
        .where(m.RunLine.run_id == header.id).group_by(m.RunLine.code, m.RunLine.kind)).all()
    ordered = sorted(found, key=lambda r: (r[0] != BASE_LINE, kinds.index(str(r[1])), r[2],
                                           r[0]))
    codes = list(dict.fromkeys([BASE_LINE, *(r[0] for r in ordered)]))
    return codes


def register_header(codes: Sequence[str]) -> list[str]:
    return ["employee", "name", "status", *TOTAL_COLUMNS, *codes, "failure"]


def iter_register(session: Session, header: RunHeader, codes: Sequence[str], *,
                  batch: int = 500) -> Iterator[list[object]]:
    """One register row per employee (columns of :func:`register_header`), in code order."""
    zero = header.money(ZERO)
    for slip in iter_payslips(session, header, batch=batch):
        sums: dict[str, Decimal] = {}
        for line in slip.lines:
            sums[line.code] = sums.get(line.code, ZERO) + line.amount
        failure = slip.failure
        yield [slip.code, slip.name, slip.status.value,
               *(slip.totals[name] for name in TOTAL_COLUMNS),
               *(sums.get(code, zero) for code in codes),
               "" if not failure else f"{failure.get('code')}: {failure.get('message')}"]
