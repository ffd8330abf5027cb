"""Activating and deactivating a payroll definition (a company's payroll).

An inactive definition takes no new runs (``services.runs.create_run`` refuses it); its runs
already created go on (calculate, approve, apply or void them as usual), and its employees and
concepts stay linked. Activation is refused (:class:`InvalidState`, ``params["reasons"]``) while
its company, payroll type or currency is inactive — a new definition could not be saved with
them either.

Nothing here commits; the change writes ``payroll.activate`` / ``payroll.deactivate`` in the
caller's transaction.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import Company, Currency, PayrollDefinition, PayrollType
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidState


def _snapshot(definition: PayrollDefinition) -> dict[str, Any]:
    return {"company_id": definition.company_id, "code": definition.code,
            "name": definition.name, "payroll_type_id": definition.payroll_type_id,
            "currency_code": definition.currency_code, "active": definition.active}


def _inactive_parts(session: Session, definition: PayrollDefinition) -> list[dict[str, str]]:
    reasons: list[dict[str, str]] = []
    company = session.get(Company, definition.company_id)
    if company is None or not company.active:
        reasons.append({"kind": "company",
                        "code": company.code if company else str(definition.company_id)})
    payroll_type = session.get(PayrollType, definition.payroll_type_id)
    if payroll_type is None or not payroll_type.active:
        reasons.append({"kind": "payroll_type", "code": payroll_type.code if payroll_type
                        else str(definition.payroll_type_id)})
    currency = session.scalar(sa.select(Currency).where(
        Currency.code == definition.currency_code))
    if currency is None or not currency.active:
        reasons.append({"kind": "currency", "code": definition.currency_code})
    return reasons


def set_definition_active(session: Session, actor: Actor, definition: PayrollDefinition,
                          active: bool) -> PayrollDefinition:
    """Activate or deactivate ``definition`` (see the module docstring)."""
    code = definition.code
    if definition.active == active:
        raise InvalidState(f"payroll {code} is already {'active' if active else 'inactive'}",
                           code=code)
    if active and (reasons := _inactive_parts(session, definition)):
        raise InvalidState(f"payroll {code} cannot be activated: inactive "
                           + ", ".join(f"{r['kind']} {r['code']}" for r in reasons),
                           code=code, reasons=reasons)
    before = _snapshot(definition)
    definition.active = active
    session.flush()
    audit.record(session, actor, "payroll.activate" if active else "payroll.deactivate",
                 "payroll_definition", definition.id, before, _snapshot(definition))
    return definition
