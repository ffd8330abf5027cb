"""Writing a payroll described by core snapshots (a scenario file, the benchmark workload)
into the database, so that a run can calculate it.

:func:`write_payroll` writes, in the caller's transaction: the currencies (reused when they
exist), exchange rates (effective on the period start), the payroll type, input definitions,
custom fields, tables and concepts (one approved version effective on the period start),
accumulators, a company and a payroll definition linking the concepts (declaration order) and
employees; per employee a salary change effective on the hire date, one pending novelty per
input (dated on the period start, for this definition), loans and year-to-date balances of
the period's fiscal year. Per-employee rows are written with bulk INSERTs, so it also serves
the benchmark. An input an employee has but the setup does not declare is written as an
*inactive* input definition, so that the calculation reports ``unknown_input`` for that
employee, as the in-memory engine does.

:func:`load_scenario` writes a loaded scenario file and commits (audit entry included).

Codes are installation-wide (concepts, inputs, custom fields, tables, accumulators, payroll
types); a code that already exists is refused with :class:`InvalidState` naming it, rather
than being reused with possibly different rules. Currencies are shared and reused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.model import Employee, FieldValue, PayrollSetup
from coati_payroll.db import models as m
from coati_payroll.db.types import utcnow
from coati_payroll.scenario import Scenario
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidState
from coati_payroll.services.snapshot import fiscal_year_of
from coati_payroll.services.uow import UnitOfWork

__all__ = ["ScenarioIds", "load_scenario", "write_payroll"]

BULK_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class ScenarioIds:
    """What was written: company, definition and payroll type ids, and the database ids of
    the employees (by snapshot employee id) and loans (by snapshot loan id)."""

    company_id: int
    definition_id: int
    payroll_type_id: int
    employees: Mapping[str, int]
    loans: Mapping[str, int]


def _code(text: str) -> str:
    code = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper() or "SCENARIO"
    return code[:30]


def _field_text(value: FieldValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _bulk(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    for offset in range(0, len(rows), BULK_CHUNK):
        session.execute(sa.insert(table), list(rows[offset:offset + BULK_CHUNK]))


def _existing(session: Session, column: Any, codes: Iterable[str]) -> list[str]:
    wanted = sorted(set(codes))
    if not wanted:
        return []
    return [str(code) for code in session.execute(
        sa.select(column).where(column.in_(wanted))).scalars()]


def write_payroll(session: Session, actor: Actor, setup: PayrollSetup,
                  employees: Sequence[Employee], code: str, name: str = "") -> ScenarioIds:
    """Write ``setup`` and ``employees`` (see the module docstring); ``code`` names the
    company, the payroll type and the definition. Flushes, never commits."""
    code = _code(code)
    undeclared = sorted({c for e in employees for c in e.inputs} - set(setup.inputs))
    clashes = {
        "concept": _existing(session, m.Concept.code, (c.code for c in setup.concepts)),
        "input": _existing(session, m.InputDefinition.code, [*setup.inputs, *undeclared]),
        "custom field": _existing(session, m.CustomFieldDefinition.code, setup.custom_fields),
        "accumulator": _existing(session, m.AccumulatorDefinition.code,
                                 (a.code for a in setup.accumulators)),
        "table": _existing(session, m.RateTable.code, setup.tables),
        "payroll type": _existing(session, m.PayrollType.code, [code]),
        "company": _existing(session, m.Company.code, [code]),
    }
    found = [f"{kind} {c}" for kind, codes in clashes.items() for c in codes]
    if found:
        raise InvalidState("these codes already exist: " + ", ".join(found), codes=found)
    period = setup.period
    start = period.start
    _currencies(session, setup, employees)
    for source, rate in setup.exchange_rates.items():
        session.add(m.ExchangeRate(from_code=source, to_code=setup.currency.code,
                                   effective_date=start, rate=rate))
    ptype = setup.payroll_type
    payroll_type = m.PayrollType(
        code=code, name=name or code, periodicity=ptype.periodicity,
        conversion=ptype.conversion, divisor=ptype.divisor,
        periods_per_year=ptype.periods_per_year, proration=ptype.proration,
        days_per_month=ptype.days_per_month, hours_per_day=ptype.hours_per_day,
        fiscal_year_start_month=ptype.fiscal_year_start_month,
        absence_days_input=ptype.absence_days_input, absence_hours_input=ptype.absence_hours_input,
        hours_worked_input=ptype.hours_worked_input, days_worked_input=ptype.days_worked_input)
    session.add(payroll_type)
    for input_code, input_def in setup.inputs.items():
        session.add(m.InputDefinition(code=input_code, name=input_def.description or input_code,
                                      default=input_def.default))
    for input_code in undeclared:
        session.add(m.InputDefinition(code=input_code, name=input_code, active=False))
    for position, (field_code, field_def) in enumerate(setup.custom_fields.items()):
        session.add(m.CustomFieldDefinition(
            code=field_code, label=field_def.description or field_code, type=field_def.type,
            position=position,
            default_value=None if field_def.default is None else _field_text(field_def.default)))
    for table_code, table in setup.tables.items():
        session.add(m.RateTable(
            code=table_code, name=table_code, kind=table.kind,
            upper_inclusive=table.upper_inclusive, effective_from=start,
            rows=[m.RateTableRow(position=i, lower=row.lower, upper=row.upper, rate=row.rate,
                                 fixed=row.fixed) for i, row in enumerate(table.rows)]))
    for accumulator in setup.accumulators:
        session.add(m.AccumulatorDefinition(code=accumulator.code, amount=accumulator.amount,
                                            name=accumulator.description or accumulator.code))
    company = m.Company(code=code, name=name or code)
    session.add(company)
    session.flush()
    definition = m.PayrollDefinition(company_id=company.id, code=code, name=name or code,
                                     payroll_type_id=payroll_type.id,
                                     currency_code=setup.currency.code)
    session.add(definition)
    session.flush()
    now = utcnow()
    for concept in setup.concepts:
        row = m.Concept(code=concept.code, name=concept.name or concept.code, kind=concept.kind)
        row.versions.append(m.ConceptVersion(
            version=1, status=m.ConceptStatus.APPROVED, effective_from=start,
            formula=concept.formula, condition=concept.condition, priority=concept.priority,
            cap=concept.cap, floor=concept.floor, shortfall=concept.shortfall,
            loan=concept.loan, tags=sorted(concept.tags) or None,
            created_by_id=actor.user_id, approved_by_id=actor.user_id, approved_at=now))
        session.add(row)
        session.flush()
        session.add(m.DefinitionConcept(definition_id=definition.id, concept_id=row.id))
        session.flush()
    employee_ids, loan_ids = _employees(session, actor, setup, employees, company.id,
                                        definition.id)
    return ScenarioIds(company.id, definition.id, payroll_type.id, employee_ids, loan_ids)


def _currencies(session: Session, setup: PayrollSetup, employees: Sequence[Employee]) -> None:
    rounding = setup.currency.rounding
    payroll = session.execute(sa.select(m.Currency).where(
        m.Currency.code == setup.currency.code)).scalar_one_or_none()
    if payroll is None:
        session.add(m.Currency(code=setup.currency.code, name=setup.currency.code,
                               minor_unit=rounding.minor_unit, rounding_mode=rounding.mode))
    elif payroll.minor_unit != rounding.minor_unit or payroll.rounding_mode != rounding.mode:
        raise InvalidState(f"currency {payroll.code} exists with rounding "
                           f"{payroll.minor_unit.normalize()} {payroll.rounding_mode}, not "
                           f"{rounding.minor_unit} {rounding.mode}")
    others = {e.salary_currency for e in employees if e.salary_currency} | set(
        setup.exchange_rates)
    others.discard(setup.currency.code)
    for currency in sorted(set(others) - set(_existing(session, m.Currency.code, others))):
        session.add(m.Currency(code=currency, name=currency))
    session.flush()


def _employees(session: Session, actor: Actor, setup: PayrollSetup,
               employees: Sequence[Employee], company_id: int, definition_id: int
               ) -> tuple[dict[str, int], dict[str, int]]:
    now = utcnow()
    stamp = {"created_at": now, "updated_at": now}
    _bulk(session, m.Employee, [{
        **stamp, "company_id": company_id, "code": e.id, "first_name": e.name or e.id,
        "last_name": "", "hire_date": e.hire_date, "termination_date": e.termination_date,
        "pay_basis": e.pay_basis, "active": True,
        "custom_values": {k: _field_text(v) for k, v in e.fields.items()} or None,
    } for e in employees])
    ids = {code: row_id for code, row_id in session.execute(
        sa.select(m.Employee.code, m.Employee.id).where(m.Employee.company_id == company_id))}
    currency = setup.currency.code
    period = setup.period
    _bulk(session, m.SalaryChange, [{
        **stamp, "employee_id": ids[e.id], "effective_date": e.hire_date, "salary": e.salary,
        "currency_code": e.salary_currency or currency, "created_by_id": actor.user_id,
    } for e in employees])
    _bulk(session, m.DefinitionEmployee, [
        {"definition_id": definition_id, "employee_id": ids[e.id]} for e in employees])
    _bulk(session, m.Novelty, [{
        **stamp, "employee_id": ids[e.id], "definition_id": definition_id, "input_code": code,
        "value": value, "effective_date": period.start, "status": m.NoveltyStatus.PENDING,
        "created_by_id": actor.user_id,
    } for e in employees for code, value in e.inputs.items()])
    _bulk(session, m.Loan, [{
        **stamp, "employee_id": ids[e.id], "concept_code": loan.concept,
        "principal": loan.balance, "installment": loan.installment, "balance": loan.balance,
        "installments": max(1, math.ceil(loan.balance / loan.installment))
        if loan.installment > 0 else 1,
        "start_date": period.start, "note": loan.id, "created_by_id": actor.user_id,
        "status": m.LoanStatus.ACTIVE if loan.balance > 0 else m.LoanStatus.PAID,
    } for e in employees for loan in e.loans])
    fiscal_year = fiscal_year_of(setup)
    _bulk(session, m.YtdBalance, [{
        **stamp, "employee_id": ids[e.id], "accumulator_code": code, "fiscal_year": fiscal_year,
        "amount": amount,
    } for e in employees for code, amount in e.ytd.items()])
    loans: dict[str, int] = {}
    if any(e.loans for e in employees):
        for loan_id, note in session.execute(
                sa.select(m.Loan.id, m.Loan.note)
                .join(m.DefinitionEmployee, m.DefinitionEmployee.employee_id == m.Loan.employee_id)
                .where(m.DefinitionEmployee.definition_id == definition_id)):
            loans[cast(str, note)] = loan_id
    return ids, loans


def load_scenario(uow: UnitOfWork, actor: Actor, scenario: Scenario,
                  code: str | None = None) -> ScenarioIds:
    """Write ``scenario`` (see :func:`write_payroll`; ``code`` defaults to the scenario's
    name) and commit."""
    with uow:
        session = uow.session
        ids = write_payroll(session, actor, scenario.setup, scenario.employees,
                            code or scenario.name, scenario.name)
        audit.record(session, actor, "scenario.load", "payroll_definition", ids.definition_id,
                     before={}, after={"scenario": scenario.name, "employees": len(ids.employees)})
        uow.commit()
        return ids
