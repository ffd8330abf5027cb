"""Payroll types and payroll definitions (a company's payroll: type, currency, employees,
concepts).

* A payroll type is validated like :class:`coati_payroll.core.model.PayrollType` is checked
  by the engine: known periodicity, conversion and proration; ``divisor``,
  ``periods_per_year``, ``days_per_month`` and ``hours_per_day`` positive;
  ``fiscal_year_start_month`` 1–12; each ``*_input`` an existing active input code.
* A definition's code is unique per company; the company never changes. Its currency must
  be active and its type active.
* Employees assigned must belong to the definition's company and be active. Concepts are
  linked with an optional ``priority_override`` (deductions only: priority orders
  deductions). Linking twice is refused.
* :func:`clone_definition` copies the header and the concept links (with their overrides)
  under a new code, and the employee links when asked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.model import ConceptKind, Periodicity, ProrationBasis, SalaryConversion
from coati_payroll.core.setup_check import CODE_PATTERN
from coati_payroll.db.models import (
    Company,
    Concept,
    Currency,
    DefinitionConcept,
    DefinitionEmployee,
    Employee,
    InputDefinition,
    PayrollDefinition,
    PayrollType,
)
from coati_payroll.db.types import Rate
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState, NotFound

_RATE: Final = Rate()
_INPUTS: Final = ("absence_days_input", "absence_hours_input", "hours_worked_input",
                  "days_worked_input")
_TYPE_FIELDS: Final = ("code", "name", "periodicity", "conversion", "divisor",
                       "periods_per_year", "proration", "days_per_month", "hours_per_day",
                       "fiscal_year_start_month", *_INPUTS)


@dataclass(frozen=True, slots=True)
class PayrollTypeData:
    code: str
    name: str
    periodicity: Periodicity | str
    conversion: SalaryConversion | str | None = None
    divisor: Decimal | None = None
    periods_per_year: int | None = None
    proration: ProrationBasis | str = ProrationBasis.CALENDAR_DAYS
    days_per_month: Decimal = Decimal(30)
    hours_per_day: Decimal = Decimal(8)
    fiscal_year_start_month: int = 1
    absence_days_input: str | None = None
    absence_hours_input: str | None = None
    hours_worked_input: str | None = None
    days_worked_input: str | None = None


@dataclass(frozen=True, slots=True)
class DefinitionData:
    company_id: int
    code: str
    name: str
    payroll_type_id: int
    currency_code: str


def _code_problem(code: str) -> str | None:
    if not CODE_PATTERN.match(code or "") or len(code) > 40:
        return "1-40 letters, digits or _, starting with a letter"
    return None


def _name_problem(name: str) -> str | None:
    return None if name and name.strip() and len(name) <= 200 else "1-200 characters"


def _enum(problems: dict[str, str], name: str, enum: Any, value: Any) -> Any:
    try:
        return None if value is None else enum(value)
    except ValueError:
        problems[name] = "one of " + ", ".join(m.value for m in enum)
        return None


def _positive(problems: dict[str, str], name: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        problems[name] = f"{value!r} is not an exact decimal"
        return
    try:
        number = _RATE.coerce(value)
    except (TypeError, ValueError) as error:
        problems[name] = str(error)
        return
    if number <= 0:
        problems[name] = "must be greater than 0"


def _type_snapshot(payroll_type: PayrollType) -> dict[str, Any]:
    return {name: getattr(payroll_type, name) for name in (*_TYPE_FIELDS, "active")}


def _validate_type(session: Session, data: PayrollTypeData,
                   existing: PayrollType | None) -> dict[str, Any]:
    problems: dict[str, str] = {}
    if existing is not None:
        if data.code != existing.code:
            problems["code"] = "the code of a payroll type cannot change"
    elif problem := _code_problem(data.code):
        problems["code"] = problem
    elif session.scalar(sa.select(PayrollType.id).where(PayrollType.code == data.code)):
        problems["code"] = f"a payroll type {data.code} already exists"
    if problem := _name_problem(data.name):
        problems["name"] = problem
    values = {name: getattr(data, name) for name in _TYPE_FIELDS}
    values["name"] = (data.name or "").strip()
    values["periodicity"] = _enum(problems, "periodicity", Periodicity, data.periodicity)
    values["conversion"] = _enum(problems, "conversion", SalaryConversion, data.conversion)
    values["proration"] = _enum(problems, "proration", ProrationBasis, data.proration)
    for name in ("divisor", "days_per_month", "hours_per_day"):
        _positive(problems, name, getattr(data, name))
    ppy = data.periods_per_year
    if ppy is not None and (isinstance(ppy, bool) or not isinstance(ppy, int) or ppy < 1):
        problems["periods_per_year"] = "a whole number greater than 0"
    month = data.fiscal_year_start_month
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        problems["fiscal_year_start_month"] = "1 to 12"
    inputs = set(session.scalars(sa.select(InputDefinition.code).where(
        InputDefinition.active.is_(True))))
    for name in _INPUTS:
        code = getattr(data, name)
        if code is not None and code not in inputs:
            problems[name] = f"no active input {code}"
    if problems:
        raise InvalidInput("the payroll type cannot be saved", problems)
    return values


def create_payroll_type(session: Session, actor: Actor, data: PayrollTypeData) -> PayrollType:
    values = _validate_type(session, data, None)
    payroll_type = PayrollType(**values, active=True)
    session.add(payroll_type)
    session.flush()
    audit.record(session, actor, "payroll_type.create", "payroll_type", payroll_type.id, {},
                 _type_snapshot(payroll_type))
    return payroll_type


def update_payroll_type(session: Session, actor: Actor, payroll_type: PayrollType,
                        data: PayrollTypeData) -> PayrollType:
    """Change a type's rules (the code stays); runs already calculated keep their snapshot."""
    values = _validate_type(session, data, payroll_type)
    before = _type_snapshot(payroll_type)
    for name, value in values.items():
        setattr(payroll_type, name, value)
    session.flush()
    audit.record(session, actor, "payroll_type.update", "payroll_type", payroll_type.id,
                 before, _type_snapshot(payroll_type))
    return payroll_type


def set_payroll_type_active(session: Session, actor: Actor, payroll_type: PayrollType,
                            active: bool) -> PayrollType:
    if payroll_type.active == active:
        raise InvalidState(f"payroll type {payroll_type.code} is already "
                           f"{'active' if active else 'inactive'}")
    before = _type_snapshot(payroll_type)
    payroll_type.active = active
    session.flush()
    audit.record(session, actor, "payroll_type.activate" if active else
                 "payroll_type.deactivate", "payroll_type", payroll_type.id, before,
                 _type_snapshot(payroll_type))
    return payroll_type


# -- payroll definitions -------------------------------------------------------------------

def _definition_snapshot(definition: PayrollDefinition) -> dict[str, Any]:
    return {"company_id": definition.company_id, "code": definition.code,
            "name": definition.name, "payroll_type_id": definition.payroll_type_id,
            "currency_code": definition.currency_code, "active": definition.active}


def _validate_definition(session: Session, data: DefinitionData,
                         existing: PayrollDefinition | None) -> None:
    problems: dict[str, str] = {}
    company = session.get(Company, data.company_id)
    if existing is not None and data.company_id != existing.company_id:
        problems["company_id"] = "a payroll cannot move to another company"
    elif company is None or not company.active:
        problems["company_id"] = f"no active company {data.company_id}"
    if problem := _code_problem(data.code):
        problems["code"] = problem
    else:
        other = session.scalar(sa.select(PayrollDefinition.id).where(
            PayrollDefinition.company_id == data.company_id,
            PayrollDefinition.code == data.code))
        if other is not None and (existing is None or other != existing.id):
            problems["code"] = f"the company already has a payroll {data.code}"
    if problem := _name_problem(data.name):
        problems["name"] = problem
    payroll_type = session.get(PayrollType, data.payroll_type_id)
    if payroll_type is None or not payroll_type.active:
        problems["payroll_type_id"] = f"no active payroll type {data.payroll_type_id}"
    currency = session.scalar(sa.select(Currency).where(Currency.code == data.currency_code))
    if currency is None or not currency.active:
        problems["currency_code"] = f"no active currency {data.currency_code}"
    if problems:
        raise InvalidInput("the payroll cannot be saved", problems)


def create_definition(session: Session, actor: Actor, data: DefinitionData
                      ) -> PayrollDefinition:
    _validate_definition(session, data, None)
    definition = PayrollDefinition(company_id=data.company_id, code=data.code,
                                   name=data.name.strip(), payroll_type_id=data.payroll_type_id,
                                   currency_code=data.currency_code, active=True)
    session.add(definition)
    session.flush()
    audit.record(session, actor, "payroll.create", "payroll_definition", definition.id, {},
                 _definition_snapshot(definition))
    return definition


def update_definition(session: Session, actor: Actor, definition: PayrollDefinition,
                      data: DefinitionData) -> PayrollDefinition:
    _validate_definition(session, data, definition)
    before = _definition_snapshot(definition)
    definition.code, definition.name = data.code, data.name.strip()
    definition.payroll_type_id, definition.currency_code = (data.payroll_type_id,
                                                            data.currency_code)
    session.flush()
    session.refresh(definition, ["payroll_type"])
    audit.record(session, actor, "payroll.update", "payroll_definition", definition.id,
                 before, _definition_snapshot(definition))
    return definition


def assign_employee(session: Session, actor: Actor, definition: PayrollDefinition,
                    employee: Employee) -> DefinitionEmployee:
    problems: dict[str, str] = {}
    if employee.company_id != definition.company_id:
        problems["employee_id"] = f"employee {employee.code} belongs to another company"
    elif not employee.active:
        problems["employee_id"] = f"employee {employee.code} is inactive"
    elif any(link.employee_id == employee.id for link in definition.employees):
        problems["employee_id"] = f"employee {employee.code} is already in this payroll"
    if problems:
        raise InvalidInput("the employee cannot be assigned", problems)
    link = DefinitionEmployee(definition_id=definition.id, employee_id=employee.id)
    session.add(link)
    session.flush()
    session.refresh(definition, ["employees"])
    audit.record(session, actor, "payroll.assign_employee", "payroll_definition",
                 definition.id, {}, {"employee_id": employee.id, "employee": employee.code})
    return link


def unassign_employee(session: Session, actor: Actor, definition: PayrollDefinition,
                      employee: Employee) -> None:
    link = next((e for e in definition.employees if e.employee_id == employee.id), None)
    if link is None:
        raise NotFound(f"employee {employee.code} is not in payroll {definition.code}")
    definition.employees.remove(link)
    session.flush()
    audit.record(session, actor, "payroll.unassign_employee", "payroll_definition",
                 definition.id, {"employee_id": employee.id, "employee": employee.code}, {})


def _priority_problem(concept: Concept, priority_override: int | None) -> str | None:
    if priority_override is None:
        return None
    if isinstance(priority_override, bool) or not isinstance(priority_override, int):
        return "a whole number"
    if concept.kind is not ConceptKind.DEDUCTION:
        return "only deductions have a priority"
    return None


def assign_concept(session: Session, actor: Actor, definition: PayrollDefinition,
                   concept: Concept, priority_override: int | None = None
                   ) -> DefinitionConcept:
    problems: dict[str, str] = {}
    if not concept.active:
        problems["concept_id"] = f"concept {concept.code} is inactive"
    elif any(link.concept_id == concept.id for link in definition.concepts):
        problems["concept_id"] = f"concept {concept.code} is already in this payroll"
    if problem := _priority_problem(concept, priority_override):
        problems["priority_override"] = problem
    if problems:
        raise InvalidInput("the concept cannot be assigned", problems)
    link = DefinitionConcept(definition_id=definition.id, concept_id=concept.id,
                             priority_override=priority_override)
    session.add(link)
    session.flush()
    session.refresh(definition, ["concepts"])
    audit.record(session, actor, "payroll.assign_concept", "payroll_definition",
                 definition.id, {}, {"concept": concept.code,
                                     "priority_override": priority_override})
    return link


def set_concept_priority(session: Session, actor: Actor, definition: PayrollDefinition,
                         concept: Concept, priority_override: int | None
                         ) -> DefinitionConcept:
    link = next((c for c in definition.concepts if c.concept_id == concept.id), None)
    if link is None:
        raise NotFound(f"concept {concept.code} is not in payroll {definition.code}")
    if problem := _priority_problem(concept, priority_override):
        raise InvalidInput("the priority cannot be set", {"priority_override": problem})
    before = {"concept": concept.code, "priority_override": link.priority_override}
    link.priority_override = priority_override
    session.flush()
    audit.record(session, actor, "payroll.set_priority", "payroll_definition", definition.id,
                 before, {"concept": concept.code, "priority_override": priority_override})
    return link


def unassign_concept(session: Session, actor: Actor, definition: PayrollDefinition,
                     concept: Concept) -> None:
    link = next((c for c in definition.concepts if c.concept_id == concept.id), None)
    if link is None:
        raise NotFound(f"concept {concept.code} is not in payroll {definition.code}")
    before = {"concept": concept.code, "priority_override": link.priority_override}
    definition.concepts.remove(link)
    session.flush()
    audit.record(session, actor, "payroll.unassign_concept", "payroll_definition",
                 definition.id, before, {})


def clone_definition(session: Session, actor: Actor, definition: PayrollDefinition,
                     code: str, name: str | None = None, *,
                     with_employees: bool = False) -> PayrollDefinition:
    """A copy of ``definition`` under ``code`` in the same company (see the module
    docstring); its employees are copied only ``with_employees``."""
    data = DefinitionData(definition.company_id, code, definition.name,
                          definition.payroll_type_id, definition.currency_code)
    clone = create_definition(session, actor, replace(data, name=name or definition.name))
    for link in definition.concepts:
        session.add(DefinitionConcept(definition_id=clone.id, concept_id=link.concept_id,
                                      priority_override=link.priority_override))
    if with_employees:
        for member in definition.employees:
            session.add(DefinitionEmployee(definition_id=clone.id,
                                           employee_id=member.employee_id))
    session.flush()
    session.refresh(clone, ["concepts", "employees"])
    audit.record(session, actor, "payroll.clone", "payroll_definition", clone.id, {}, {
        "from": definition.code, "concepts": len(clone.concepts),
        "employees": len(clone.employees)})
    return clone


def list_definitions(session: Session, company_id: int | None = None
                     ) -> list[PayrollDefinition]:
    query = sa.select(PayrollDefinition).order_by(PayrollDefinition.company_id,
                                                  PayrollDefinition.code)
    if company_id is not None:
        query = query.where(PayrollDefinition.company_id == company_id)
    return list(session.scalars(query))
