"""Reading and changing single novelties for the pages.

Adding goes through :func:`services.novelty_import.import_novelties` with a one-row sheet,
so a novelty typed in the form is validated exactly like an imported one (employee of the
company, active input, exact value, date within employment, payroll the employee belongs to,
no identical pending novelty). Editing a pending novelty cancels it and adds the corrected one
in the same transaction (both audited); cancelling marks it ``cancelled``. Nothing here
commits: the route does, in its unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db import models as m
from coati_payroll.db.models import Novelty, NoveltyStatus
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState, NotFound
from coati_payroll.services.novelty_import import import_novelties
from coati_payroll.services.tabular import Sheet, SheetRow

#: The row number the one-row sheet uses (problems come back as "row 2: column").
ROW: Final = 2


def _problems_by_field(error: InvalidInput) -> InvalidInput:
    """The import's ``row 2: column`` problems keyed by the form field (= the column)."""
    problems = {key.split(": ", 1)[-1]: text for key, text in error.problems.items()}
    return InvalidInput("the novelty cannot be saved", problems)


def add_novelty(session: Session, actor: Actor, cells: Mapping[str, str]) -> None:
    """Add one pending novelty from the form's cells (company, employee, input, value,
    date, payroll, note). Raises InvalidInput with the problems by field."""
    sheet = Sheet(("company", "employee", "input", "value", "date", "payroll", "note"),
                  (SheetRow(ROW, {k: str(v or "") for k, v in cells.items()}),))
    try:
        import_novelties(session, actor, sheet)
    except InvalidInput as error:
        raise _problems_by_field(error) from None


def pending(session: Session, novelty_id: int) -> Novelty:
    novelty = session.get(Novelty, novelty_id)
    if novelty is None:
        raise NotFound(f"novelty {novelty_id} does not exist")
    if novelty.status is not NoveltyStatus.PENDING:
        raise InvalidState(f"novelty {novelty_id} is {novelty.status.value}; only pending "
                           "novelties can be changed")
    return novelty


def cancel_novelty(session: Session, actor: Actor, novelty_id: int) -> Novelty:
    novelty = pending(session, novelty_id)
    novelty.status = NoveltyStatus.CANCELLED
    audit.record(session, actor, "novelty.cancel", "novelty", novelty.id,
                 {"status": NoveltyStatus.PENDING}, {"status": NoveltyStatus.CANCELLED})
    session.flush()
    return novelty


def replace_novelty(session: Session, actor: Actor, novelty_id: int,
                    cells: Mapping[str, str]) -> None:
    """Cancel the pending novelty and add the corrected one (same transaction)."""
    cancel_novelty(session, actor, novelty_id)
    add_novelty(session, actor, cells)


def cells_of(session: Session, novelty: Novelty) -> dict[str, Any]:
    """The form values of a stored novelty."""
    employee = session.get(m.Employee, novelty.employee_id)
    assert employee is not None
    company = session.get(m.Company, employee.company_id)
    definition = session.get(m.PayrollDefinition, novelty.definition_id) \
        if novelty.definition_id else None
    return {"company": company.code if company else "", "employee": employee.code,
            "input": novelty.input_code, "value": format(novelty.value.normalize(), "f"),
            "date": novelty.effective_date, "payroll": definition.code if definition else "",
            "note": novelty.note or ""}


@dataclass(frozen=True, slots=True)
class NoveltyRow:
    id: int
    employee_code: str
    employee_name: str
    company_code: str
    input_code: str
    input_name: str
    value: Decimal
    effective_date: date
    payroll: str | None
    status: NoveltyStatus
    run_id: int | None
    note: str | None


def list_novelties(session: Session, *, start: date | None, end: date | None,
                   employee: str = "", status: str | None = None, page: int = 1,
                   per_page: int = 50) -> tuple[list[NoveltyRow], int]:
    """Novelties by period, employee code or name, and status (2 queries: count, page)."""
    novelty, employee_t = m.Novelty, m.Employee
    conditions: list[Any] = []
    if start is not None:
        conditions.append(novelty.effective_date >= start)
    if end is not None:
        conditions.append(novelty.effective_date <= end)
    if status in {s.value for s in NoveltyStatus}:
        conditions.append(novelty.status == status)
    term = employee.strip().lower()
    if term:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(sa.or_(
            sa.func.lower(employee_t.code).like(pattern, escape="\\"),
            sa.func.lower(employee_t.first_name + " " + employee_t.last_name).like(
                pattern, escape="\\")))
    base = (sa.select(novelty.id).join(employee_t, employee_t.id == novelty.employee_id)
            .where(*conditions))
    total = session.execute(sa.select(sa.func.count()).select_from(base.subquery())
                            ).scalar_one()
    rows = session.execute(
        sa.select(novelty.id, employee_t.code, employee_t.first_name, employee_t.last_name,
                  m.Company.code, novelty.input_code, m.InputDefinition.name, novelty.value,
                  novelty.effective_date, m.PayrollDefinition.code, novelty.status,
                  novelty.run_id, novelty.note)
        .join(employee_t, employee_t.id == novelty.employee_id)
        .join(m.Company, m.Company.id == employee_t.company_id)
        .outerjoin(m.InputDefinition, m.InputDefinition.code == novelty.input_code)
        .outerjoin(m.PayrollDefinition, m.PayrollDefinition.id == novelty.definition_id)
        .where(*conditions)
        .order_by(novelty.effective_date.desc(), employee_t.code, novelty.id)
        .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return [NoveltyRow(r[0], r[1], f"{r[2]} {r[3]}".strip(), r[4], r[5], r[6] or r[5],
                       r[7].normalize(), r[8], r[9], NoveltyStatus(r[10]), r[11], r[12])
            for r in rows], total


def choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """Select options: companies, active inputs and payroll definitions (3 queries)."""
    return {
        "company": [(code, f"{name} ({code})") for code, name in session.execute(
            sa.select(m.Company.code, m.Company.name).order_by(m.Company.name))],
        "input": [(code, f"{name} ({code})") for code, name in session.execute(
            sa.select(m.InputDefinition.code, m.InputDefinition.name)
            .where(m.InputDefinition.active.is_(True)).order_by(m.InputDefinition.code))],
        "payroll": [(code, f"{name} ({code})") for code, name in session.execute(
            sa.select(m.PayrollDefinition.code, m.PayrollDefinition.name)
            .where(m.PayrollDefinition.active.is_(True))
            .order_by(m.PayrollDefinition.code).distinct())],
    }


def _l(text: str) -> str:  # marks the texts below for extraction; translated when shown
    return text


#: Fixed texts of the novelty services' errors (looked up by ``errors.translate``).
SERVICE_TEXTS: Final = (
    _l("required"),
    _l("the novelty cannot be saved"),
    _l("the file's columns are not usable; nothing was imported"),
    _l("required column is missing"),
)
