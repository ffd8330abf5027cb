"""Importing novelties (per-period inputs such as overtime hours) from CSV or XLSX.

Columns (any order, any letter case):

=============  ==============================================================================
``employee``   required: the employee's code
``company``    the company code; may be left out with ``default_company`` or one company
``input``      required: an active input definition code (``OVERTIME_HOURS``)
``value``      required: an exact decimal, ``.`` as the decimal separator (``12.5``)
``date``       required: the effective date, ``YYYY-MM-DD`` (the run whose period contains it
               uses the novelty)
``payroll``    optional: a payroll definition code of the company the employee belongs to;
               restricts the novelty to that payroll
``note``       optional text
=============  ==============================================================================

All-or-nothing like :mod:`~coati_payroll.services.employee_import`: every problem is reported
as ``row N: column`` and nothing is saved when there is any. A row identical to a pending
novelty already stored (same employee, input, date, value and payroll) is refused as a
probable second import of the same file, unless ``allow_duplicates`` is set. Nothing here
commits.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import (
    Company,
    DefinitionEmployee,
    Employee,
    InputDefinition,
    Novelty,
    NoveltyStatus,
    PayrollDefinition,
)
from coati_payroll.db.types import Rate
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.employee_import import (
    ImportSummary,
    RowCheck,
    check_columns,
    default_company,
    resolve_company,
)
from coati_payroll.services.errors import InvalidInput
from coati_payroll.services.tabular import Sheet, amount_cell, date_cell

COLUMNS: Final = ("company", "employee", "input", "value", "date", "payroll", "note")
REQUIRED: Final = ("employee", "input", "value", "date")
MAX_NOTE: Final = 2000
_RATE: Final = Rate()


def import_novelties(session: Session, actor: Actor, sheet: Sheet, *,
                     company: str | None = None,
                     allow_duplicates: bool = False) -> ImportSummary:
    """Validate every row of ``sheet`` and add one pending novelty per row.

    Raises InvalidInput listing every problem; the caller must then not commit."""
    check_columns(sheet, session, COLUMNS, REQUIRED)
    if any(c.startswith("custom.") for c in sheet.columns):
        raise InvalidInput("custom.CODE columns belong to employee files",
                           {"columns": "remove the custom.* columns"})
    fallback = default_company(session, company)
    companies = {c.code: c for c in session.scalars(sa.select(Company))}
    inputs = {i.code: i for i in session.scalars(sa.select(InputDefinition))}
    codes = {r.values.get("employee", "").strip() for r in sheet.rows}
    employees = {(e.company_id, e.code): e for e in session.scalars(
        sa.select(Employee).where(Employee.code.in_(codes)))}
    definitions = {(d.company_id, d.code): d for d in session.scalars(
        sa.select(PayrollDefinition))}
    assigned = {(d, e) for d, e in session.execute(sa.select(
        DefinitionEmployee.definition_id, DefinitionEmployee.employee_id))}
    pending = {(n.employee_id, n.input_code, n.effective_date, n.value, n.definition_id)
               for n in session.scalars(sa.select(Novelty).where(
                   Novelty.status == NoveltyStatus.PENDING,
                   Novelty.employee_id.in_([e.id for e in employees.values()])))}
    problems: dict[str, str] = {}
    novelties: list[Novelty] = []
    for sheet_row in sheet.rows:
        row = RowCheck(sheet_row, problems)
        owner = resolve_company(row, companies, fallback)
        code = row.cell("employee")
        employee = None
        if not code:
            row.fail("employee", "required")
        elif owner is not None:
            employee = employees.get((owner.id, code))
            if employee is None:
                row.fail("employee", f"no employee {code!r} in company {owner.code!r}")
        input_code = row.cell("input")
        definition = inputs.get(input_code)
        if not input_code:
            row.fail("input", "required")
        elif definition is None or not definition.active:
            known = ", ".join(sorted(c for c, d in inputs.items() if d.active)) or "none"
            row.fail("input", f"{input_code!r} is not an active input (inputs: {known})")
        value = row.parsed("value", _rate)
        if not row.cell("value"):
            row.fail("value", "required")
        effective = row.parsed("date", date_cell)
        if not row.cell("date"):
            row.fail("date", "required")
        payroll = None
        if row.cell("payroll") and owner is not None:
            payroll = definitions.get((owner.id, row.cell("payroll")))
            if payroll is None:
                row.fail("payroll", f"company {owner.code!r} has no payroll "
                                    f"{row.cell('payroll')!r}")
            elif employee is not None and (payroll.id, employee.id) not in assigned:
                row.fail("payroll", f"employee {code!r} is not in payroll {payroll.code!r}")
        if len(row.cell("note")) > MAX_NOTE:
            row.fail("note", f"at most {MAX_NOTE} characters")
        if row.failed or employee is None or value is None or effective is None:
            continue
        if employee.termination_date is not None and effective > employee.termination_date:
            row.fail("date", f"after the employee's termination date {employee.termination_date}")
            continue
        key = (employee.id, input_code, effective, value, payroll.id if payroll else None)
        if key in pending and not allow_duplicates:
            row.fail("value", "an identical pending novelty already exists (was this file "
                              "imported before? use --allow-duplicates to add it anyway)")
            continue
        novelties.append(Novelty(
            employee_id=employee.id, definition_id=payroll.id if payroll else None,
            input_code=input_code, value=value, effective_date=effective,
            status=NoveltyStatus.PENDING, note=row.cell("note") or None,
            created_by_id=actor.user_id))
    if problems:
        raise InvalidInput(f"{len({k.split(':')[0] for k in problems})} row(s) have problems; "
                           "nothing was imported", problems)
    session.add_all(novelties)
    session.flush()
    for novelty in novelties:
        audit.record(session, actor, "novelty.import", "novelty", novelty.id, {}, {
            "employee_id": novelty.employee_id, "input": novelty.input_code,
            "value": novelty.value, "date": novelty.effective_date,
            "definition_id": novelty.definition_id})
    return ImportSummary(len(sheet.rows), len(novelties), 0, 0)


def _rate(text: str) -> object:
    value = amount_cell(text)
    try:
        return _RATE.coerce(value)
    except ValueError as error:
        raise ValueError(f"{text!r}: {error}") from None
