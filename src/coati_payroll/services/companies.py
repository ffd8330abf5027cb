"""Companies: code (unique, fixed once created), name, legal name and tax id.

Deactivation is refused while the company has active employees (InvalidState naming how
many): terminate and deactivate them first, so that no active employee is left in a company
where nobody can be paid. An inactive company takes no new employees or payrolls (checked by
those services). A company is deleted only when nothing refers to it (no employees, no
payrolls); otherwise deactivate it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.setup_check import CODE_PATTERN
from coati_payroll.db.models import Company, Employee, PayrollDefinition
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState, NotFound


@dataclass(frozen=True, slots=True)
class CompanyData:
    code: str
    name: str
    legal_name: str | None = None
    tax_id: str | None = None


def _snapshot(company: Company) -> dict[str, Any]:
    return {"code": company.code, "name": company.name, "legal_name": company.legal_name,
            "tax_id": company.tax_id, "active": company.active}


def _validate(session: Session, data: CompanyData, company: Company | None) -> None:
    problems: dict[str, str] = {}
    if company is not None:
        if data.code != company.code:
            problems["code"] = "the code of a company cannot change"
    elif not CODE_PATTERN.match(data.code or "") or len(data.code) > 40:
        problems["code"] = "1-40 letters, digits or _, starting with a letter"
    elif session.scalar(sa.select(Company.id).where(Company.code == data.code)) is not None:
        problems["code"] = f"a company {data.code} already exists"
    if not data.name or not data.name.strip() or len(data.name) > 200:
        problems["name"] = "1-200 characters"
    if data.legal_name is not None and len(data.legal_name) > 200:
        problems["legal_name"] = "at most 200 characters"
    if data.tax_id is not None and len(data.tax_id) > 64:
        problems["tax_id"] = "at most 64 characters"
    if problems:
        raise InvalidInput("the company cannot be saved", problems)


def _fill(company: Company, data: CompanyData) -> None:
    company.name = data.name.strip()
    company.legal_name = (data.legal_name or "").strip() or None
    company.tax_id = (data.tax_id or "").strip() or None


def create_company(session: Session, actor: Actor, data: CompanyData) -> Company:
    _validate(session, data, None)
    company = Company(code=data.code, active=True)
    _fill(company, data)
    session.add(company)
    session.flush()
    audit.record(session, actor, "company.create", "company", company.id, {},
                 _snapshot(company))
    return company


def update_company(session: Session, actor: Actor, company: Company,
                   data: CompanyData) -> Company:
    _validate(session, data, company)
    before = _snapshot(company)
    _fill(company, data)
    session.flush()
    audit.record(session, actor, "company.update", "company", company.id, before,
                 _snapshot(company))
    return company


def set_company_active(session: Session, actor: Actor, company: Company,
                       active: bool) -> Company:
    """Activate or deactivate (refused while active employees remain; see the module
    docstring)."""
    if company.active == active:
        raise InvalidState(f"company {company.code} is already "
                           f"{'active' if active else 'inactive'}")
    if not active:
        employees = session.scalar(sa.select(sa.func.count()).select_from(Employee).where(
            Employee.company_id == company.id, Employee.active.is_(True))) or 0
        if employees:
            raise InvalidState(f"company {company.code} has {employees} active employee(s); "
                               "deactivate them first", active_employees=employees)
    before = _snapshot(company)
    company.active = active
    session.flush()
    audit.record(session, actor, "company.activate" if active else "company.deactivate",
                 "company", company.id, before, _snapshot(company))
    return company


def delete_company(session: Session, actor: Actor, company: Company) -> None:
    """Delete a company nothing refers to; InvalidState otherwise."""
    for model, what in ((Employee, "employees"), (PayrollDefinition, "payrolls")):
        if session.scalar(sa.select(model.id).where(model.company_id == company.id).limit(1)):
            raise InvalidState(f"company {company.code} has {what}; deactivate it instead")
    before = _snapshot(company)
    session.delete(company)
    session.flush()
    audit.record(session, actor, "company.delete", "company", company.id, before, {})


def get_company(session: Session, code: str) -> Company:
    company = session.scalar(sa.select(Company).where(Company.code == code))
    if company is None:
        raise NotFound(f"no company {code}", company=code)
    return company


def list_companies(session: Session, *, active_only: bool = False) -> list[Company]:
    query = sa.select(Company).order_by(Company.code)
    if active_only:
        query = query.where(Company.active.is_(True))
    return list(session.scalars(query))
