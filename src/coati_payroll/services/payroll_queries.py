"""Read-only questions of the payroll definition pages: the list with counts, one
definition's employees and concepts, employee search and the choices of the forms.

Writes stay in :mod:`coati_payroll.services.definitions`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import (
    Company,
    Concept,
    Currency,
    DefinitionConcept,
    DefinitionEmployee,
    Employee,
    PayrollDefinition,
    PayrollType,
)
from coati_payroll.services.errors import NotFound

#: Most employees a search shows.
SEARCH_LIMIT = 50


@dataclass(frozen=True, slots=True)
class DefinitionRow:
    definition: PayrollDefinition
    company: Company
    employees: int
    concepts: int


@dataclass(frozen=True, slots=True)
class LinkedConcept:
    link: DefinitionConcept
    concept: Concept


def list_definitions(session: Session) -> list[DefinitionRow]:
    employees = dict(session.execute(
        sa.select(DefinitionEmployee.definition_id, sa.func.count())
        .group_by(DefinitionEmployee.definition_id)).all())
    concepts = dict(session.execute(
        sa.select(DefinitionConcept.definition_id, sa.func.count())
        .group_by(DefinitionConcept.definition_id)).all())
    rows = session.execute(sa.select(PayrollDefinition, Company).join(
        Company, Company.id == PayrollDefinition.company_id).order_by(
        Company.code, PayrollDefinition.code)).all()
    return [DefinitionRow(d, c, employees.get(d.id, 0), concepts.get(d.id, 0)) for d, c in rows]


def get_definition(session: Session, definition_id: int) -> PayrollDefinition:
    definition = session.get(PayrollDefinition, definition_id)
    if definition is None:
        raise NotFound(f"no payroll definition {definition_id}")
    return definition


def members(session: Session, definition: PayrollDefinition) -> list[Employee]:
    return list(session.scalars(sa.select(Employee).join(
        DefinitionEmployee, DefinitionEmployee.employee_id == Employee.id).where(
        DefinitionEmployee.definition_id == definition.id).order_by(Employee.code)))


def linked_concepts(session: Session, definition: PayrollDefinition) -> list[LinkedConcept]:
    rows = session.execute(sa.select(DefinitionConcept, Concept).join(
        Concept, Concept.id == DefinitionConcept.concept_id).where(
        DefinitionConcept.definition_id == definition.id).order_by(Concept.kind, Concept.code))
    return [LinkedConcept(link, concept) for link, concept in rows]


def _unassigned(definition: PayrollDefinition) -> sa.Select[Employee]:
    assigned = sa.select(DefinitionEmployee.employee_id).where(
        DefinitionEmployee.definition_id == definition.id)
    return sa.select(Employee).where(
        Employee.company_id == definition.company_id, Employee.active.is_(True),
        Employee.id.not_in(assigned))


def search_employees(session: Session, definition: PayrollDefinition, text: str
                     ) -> list[Employee]:
    """Active employees of the definition's company, not in it yet, whose code or name
    contains ``text`` (case-insensitive)."""
    query = _unassigned(definition)
    words = text.split()
    for word in words:
        pattern = f"%{word.lower()}%"
        query = query.where(sa.or_(sa.func.lower(Employee.code).like(pattern),
                                   sa.func.lower(Employee.first_name).like(pattern),
                                   sa.func.lower(Employee.last_name).like(pattern)))
    return list(session.scalars(query.order_by(Employee.code).limit(SEARCH_LIMIT)))


def unassigned_employees(session: Session, definition: PayrollDefinition) -> list[Employee]:
    return list(session.scalars(_unassigned(definition).order_by(Employee.code)))


def unlinked_concepts(session: Session, definition: PayrollDefinition) -> list[Concept]:
    linked = sa.select(DefinitionConcept.concept_id).where(
        DefinitionConcept.definition_id == definition.id)
    return list(session.scalars(sa.select(Concept).where(
        Concept.active.is_(True), Concept.id.not_in(linked)).order_by(Concept.kind,
                                                                      Concept.code)))


def choices(session: Session) -> tuple[list[Company], list[PayrollType], list[Currency]]:
    """Active companies, payroll types and currencies, for the definition form."""
    return (list(session.scalars(sa.select(Company).where(Company.active.is_(True))
                                 .order_by(Company.code))),
            list(session.scalars(sa.select(PayrollType).where(PayrollType.active.is_(True))
                                 .order_by(PayrollType.code))),
            list(session.scalars(sa.select(Currency).where(Currency.active.is_(True))
                                 .order_by(Currency.code))))
