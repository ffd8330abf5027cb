"""Database rows → core snapshots, in bulk (the JSON form of snapshots: ``snapshot_json``,
re-exported here).

:func:`load_setup` builds the :class:`~coati_payroll.core.model.PayrollSetup` of one payroll
definition for one period; :func:`load_employees` builds every employee snapshot of that
definition. Both issue a fixed number of SELECTs, whatever the number of employees (rows are
read as tuples, never as ORM objects):

* concepts: the definition's concepts (in link order, which is the declaration order), each with
  the **approved** version of latest ``effective_from`` on or before the period end (ties: the
  highest version); ``DefinitionConcept.priority_override`` replaces the version's priority. A
  linked concept that is inactive or has no version in force is left out and named in
  :attr:`LoadedSetup.omitted_concepts` (stored in the run snapshot, never silently lost);
* tables: per code, the version of latest ``effective_from`` on or before the period end;
* exchange rates into the payroll currency: per currency, the latest on or before the period end;
* inputs, custom fields, accumulators: every active definition (they are installation-wide);
* per employee: the salary of the latest ``SalaryChange`` on or before the period end (none:
  the payslip fails with ``missing_salary``); inputs = the sum of the employee's **pending**
  novelties dated inside the period, for this definition or for none; active loans with a
  balance above zero on a loan concept of the setup; year-to-date balances of the fiscal year
  the period belongs to (:func:`fiscal_year_of`).

Decimals read from the database are normalised (``2500.090000`` → ``2500.09``), so that the
engine computes with exactly the digits a scenario file would give it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.calendar import fiscal_year_start
from coati_payroll.core.errors import FormulaError
from coati_payroll.core.formula import StaticScope, ValueType, compile_formula
from coati_payroll.core.formula.tables import Table, TableKind, TableRow
from coati_payroll.core.model import (
    Accumulator,
    Concept,
    ConceptKind,
    CustomFieldDef,
    Employee,
    FieldType,
    InputDef,
    Loan,
    PayBasis,
    PayPeriod,
    PayrollSetup,
    PayrollType,
    Periodicity,
    ProrationBasis,
    SalaryConversion,
    ShortfallPolicy,
)
from coati_payroll.core.money import Currency, RoundingPolicy
from coati_payroll.core.vocabulary import build_scope
from coati_payroll.db import models as m
from coati_payroll.services.errors import NotFound
from coati_payroll.services.snapshot_json import (
    employee_from_json,
    employee_to_json,
    parse_field,
    plain,
    setup_from_json,
    setup_to_json,
)

__all__ = [
    "EmployeeSource",
    "LoadedSetup",
    "employee_from_json",
    "employee_to_json",
    "fiscal_year_of",
    "load_employees",
    "load_setup",
    "parse_field",
    "plain",
    "setup_from_json",
    "setup_to_json",
]


def fiscal_year_of(setup: PayrollSetup) -> int:
    """The fiscal year (calendar year in which it starts) of ``setup``'s period; the reference
    date is the payment date, else the period end (as in docs/calculation.md §7)."""
    reference = setup.period.payment_date or setup.period.end
    return fiscal_year_start(reference, setup.payroll_type.fiscal_year_start_month).year


@dataclass(frozen=True, slots=True)
class LoadedSetup:
    """A setup and what the snapshot records beside it: the concept versions used
    (code → version number) and the linked concepts left out (code → reason; an accumulator
    left out appears as ``ytd.CODE``)."""

    setup: PayrollSetup
    concept_versions: Mapping[str, int]
    omitted_concepts: Mapping[str, str]


def load_setup(session: Session, definition_id: int, period: PayPeriod) -> LoadedSetup:
    """The setup of definition ``definition_id`` for ``period`` (see the module docstring).

    Raises :class:`NotFound` when the definition does not exist."""
    end = period.end
    head = session.execute(
        sa.select(m.PayrollDefinition.currency_code, m.Currency.minor_unit,
                  m.Currency.rounding_mode, m.PayrollType)
        .join(m.Currency, m.Currency.code == m.PayrollDefinition.currency_code)
        .join(m.PayrollType, m.PayrollType.id == m.PayrollDefinition.payroll_type_id)
        .where(m.PayrollDefinition.id == definition_id)).one_or_none()
    if head is None:
        raise NotFound(f"payroll definition {definition_id} does not exist",
                       definition_id=definition_id)
    currency_code, minor_unit, mode, db_type = head
    currency = Currency(currency_code, RoundingPolicy(plain(minor_unit), mode))
    concepts, versions, omitted = _concepts(session, definition_id, end)
    setup = PayrollSetup(
        currency=currency, period=period, concepts=concepts,
        payroll_type=_payroll_type(db_type), tables=_tables(session, end),
        inputs=_inputs(session), custom_fields=_custom_fields(session),
        accumulators=(),
        exchange_rates=_exchange_rates(session, currency_code, end),
    )
    accumulators = _accumulators(session, setup, omitted)
    return LoadedSetup(replace(setup, accumulators=accumulators), MappingProxyType(versions),
                       MappingProxyType(omitted))


def _accumulators(session: Session, setup: PayrollSetup,
                  omitted: dict[str, str]) -> tuple[Accumulator, ...]:
    """The active accumulators that apply to this payroll: those whose amount formula reads
    only concepts the payroll has (an accumulator of another payroll's concept would not
    compile here). One left out is recorded in ``omitted`` as ``ytd.CODE`` with the reason."""
    installation_codes = set(session.scalars(sa.select(m.Concept.code)))
    own_codes = {concept.code for concept in setup.concepts}
    scope = build_scope(setup)
    names = dict(scope.names)
    names.update(dict.fromkeys(installation_codes - own_codes, ValueType.NUMBER))
    wide = StaticScope(names, setup.tables, setup.currency.rounding)
    kept: list[Accumulator] = []
    for code, amount, name in session.execute(
            sa.select(m.AccumulatorDefinition.code, m.AccumulatorDefinition.amount,
                      m.AccumulatorDefinition.name)
            .where(m.AccumulatorDefinition.active.is_(True))
            .order_by(m.AccumulatorDefinition.id)):
        try:
            read = compile_formula(amount, wide).names
        except FormulaError:
            read = ()  # kept: compiling the setup reports the error precisely
        missing = sorted(set(read) & (installation_codes - own_codes))
        if missing:
            omitted[f"ytd.{code}"] = "reads concepts not in this payroll: " + ", ".join(missing)
        else:
            kept.append(Accumulator(code, amount, name))
    return tuple(kept)


def _payroll_type(row: m.PayrollType) -> PayrollType:
    return PayrollType(
        periodicity=Periodicity(row.periodicity),
        conversion=None if row.conversion is None else SalaryConversion(row.conversion),
        divisor=None if row.divisor is None else plain(row.divisor),
        periods_per_year=row.periods_per_year,
        proration=ProrationBasis(row.proration),
        days_per_month=plain(row.days_per_month), hours_per_day=plain(row.hours_per_day),
        fiscal_year_start_month=row.fiscal_year_start_month,
        absence_days_input=row.absence_days_input, absence_hours_input=row.absence_hours_input,
        hours_worked_input=row.hours_worked_input, days_worked_input=row.days_worked_input)


def _concepts(session: Session, definition_id: int, end: date
              ) -> tuple[tuple[Concept, ...], dict[str, int], dict[str, str]]:
    link, concept, version = m.DefinitionConcept, m.Concept, m.ConceptVersion
    linked = session.execute(
        sa.select(link.id, concept.code, concept.active)
        .join(concept, concept.id == link.concept_id)
        .where(link.definition_id == definition_id).order_by(link.id)).all()
    rows = session.execute(
        sa.select(link.id, link.priority_override, concept.code, concept.name, concept.kind,
                  version.version, version.formula, version.condition, version.priority,
                  version.cap, version.floor, version.shortfall, version.loan, version.tags)
        .join(concept, concept.id == link.concept_id)
        .join(version, version.concept_id == concept.id)
        .where(link.definition_id == definition_id, concept.active.is_(True),
               version.status == m.ConceptStatus.APPROVED, version.effective_from <= end)
        .order_by(link.id, version.effective_from, version.version)).all()
    in_force: dict[int, Any] = {}
    for row in rows:
        in_force[row[0]] = row  # ordered: the last one per link is the one in force
    concepts: list[Concept] = []
    versions: dict[str, int] = {}
    omitted: dict[str, str] = {}
    for link_id, linked_code, active in linked:
        chosen = in_force.get(link_id)
        if chosen is None:
            omitted[linked_code] = ("inactive" if not active
                                    else f"no approved version on {end}")
            continue
        (_, override, code, name, kind, number, formula, condition, priority, cap, floor,
         shortfall, loan, tags) = chosen
        versions[code] = number
        concepts.append(Concept(
            code=code, kind=ConceptKind(kind), formula=formula, name=name,
            priority=priority if override is None else override, condition=condition,
            cap=None if cap is None else plain(cap), floor=None if floor is None else plain(floor),
            shortfall=ShortfallPolicy(shortfall), loan=bool(loan),
            tags=frozenset(tags or ())))
    return tuple(concepts), versions, omitted


def _tables(session: Session, end: date) -> Mapping[str, Table]:
    table, row = m.RateTable, m.RateTableRow
    result = session.execute(
        sa.select(table.code, table.id, table.kind, table.upper_inclusive,
                  row.lower, row.upper, row.rate, row.fixed)
        .join(row, row.table_id == table.id)
        .where(table.effective_from <= end)
        .order_by(table.code, table.effective_from, row.position)).all()
    latest: dict[str, int] = {}
    for code, table_id, *_ in result:
        latest[code] = table_id
    grouped: dict[str, list[TableRow]] = defaultdict(list)
    shape: dict[str, tuple[TableKind, bool]] = {}
    for code, table_id, kind, upper_inclusive, lower, upper, rate, fixed in result:
        if latest[code] != table_id:
            continue
        shape[code] = (TableKind(kind), bool(upper_inclusive))
        grouped[code].append(TableRow(plain(lower), None if upper is None else plain(upper),
                                      plain(rate), plain(fixed)))
    return MappingProxyType({
        code: Table(code, shape[code][0], tuple(rows), shape[code][1])
        for code, rows in grouped.items()})


def _inputs(session: Session) -> Mapping[str, InputDef]:
    rows = session.execute(
        sa.select(m.InputDefinition.code, m.InputDefinition.name, m.InputDefinition.default)
        .where(m.InputDefinition.active.is_(True)).order_by(m.InputDefinition.id))
    return MappingProxyType({code: InputDef(code, name, plain(default))
                             for code, name, default in rows})


def _custom_fields(session: Session) -> Mapping[str, CustomFieldDef]:
    cf = m.CustomFieldDefinition
    rows = session.execute(
        sa.select(cf.code, cf.type, cf.default_value, cf.label)
        .where(cf.active.is_(True)).order_by(cf.position, cf.id))
    fields: dict[str, CustomFieldDef] = {}
    for code, kind, default, label in rows:
        field_type = FieldType(kind)
        fields[code] = CustomFieldDef(
            code, field_type, None if default is None else parse_field(field_type, default),
            label)
    return MappingProxyType(fields)


def _exchange_rates(session: Session, currency: str, end: date) -> Mapping[str, Decimal]:
    rate = m.ExchangeRate
    rows = session.execute(
        sa.select(rate.from_code, rate.rate)
        .where(rate.to_code == currency, rate.effective_date <= end)
        .order_by(rate.from_code, rate.effective_date))
    return MappingProxyType({code: plain(value) for code, value in rows})


# -- employees --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class EmployeeSource:
    """One employee of a run: the database id and code, the snapshot to compute and the
    pending novelties it used. ``missing_salary``: no salary in force at the period end (the
    snapshot's salary is then 0 and the run records a ``missing_salary`` failure unless the
    employee is excluded by the dates anyway)."""

    db_id: int
    code: str
    name: str
    employee: Employee
    novelty_ids: tuple[int, ...] = ()
    missing_salary: bool = False


def load_employees(session: Session, definition_id: int, setup: PayrollSetup,
                   employee_ids: Collection[int] | None = None) -> list[EmployeeSource]:
    """Every employee linked to ``definition_id``, in id order, as snapshots for ``setup``'s
    period (see the module docstring). Five SELECTs, whatever the number of employees.

    ``employee_ids``: only those of them (a background chunk); ids not linked to the
    definition are left out. The SQL selects the range from the lowest to the highest id (a
    chunk is a slice of the members in id order, and a constant statement is prepared once
    by the driver, where a list of ids would make every statement new); the exact set is
    kept in Python."""
    period = setup.period
    members = (sa.select(m.DefinitionEmployee.employee_id)
               .where(m.DefinitionEmployee.definition_id == definition_id))
    wanted: frozenset[int] | None = None
    if employee_ids is not None:
        wanted = frozenset(employee_ids)
        if not wanted:
            return []
        members = members.where(
            m.DefinitionEmployee.employee_id.between(min(wanted), max(wanted)))
    emp, salary = m.Employee, m.SalaryChange
    salaries: dict[int, tuple[Decimal, str]] = {}
    for employee_id, amount, currency in session.execute(
            sa.select(salary.employee_id, salary.salary, salary.currency_code)
            .where(salary.employee_id.in_(members), salary.effective_date <= period.end)
            .order_by(salary.employee_id, salary.effective_date)):
        salaries[employee_id] = (amount, currency)  # the last one is in force
    inputs, novelties = _novelties(session, definition_id, members, period)
    loans = _loans(session, members, {c.code for c in setup.concepts if c.loan})
    ytd = _ytd(session, members, setup)
    field_defs = setup.custom_fields
    sources: list[EmployeeSource] = []
    for (db_id, code, first, last, hire, termination, pay_basis, custom) in session.execute(
            sa.select(emp.id, emp.code, emp.first_name, emp.last_name, emp.hire_date,
                      emp.termination_date, emp.pay_basis, emp.custom_values)
            .where(emp.id.in_(members)).order_by(emp.id)):
        if wanted is not None and db_id not in wanted:
            continue
        name = f"{first} {last}".strip()
        in_force = salaries.get(db_id)
        fields = {key: parse_field(field_defs[key].type, value)
                  for key, value in (custom or {}).items() if key in field_defs}
        employee = Employee(
            id=str(db_id), hire_date=hire,
            salary=Decimal(0) if in_force is None else plain(in_force[0]), name=name,
            termination_date=termination,
            salary_currency=None if in_force is None else in_force[1],
            pay_basis=PayBasis(pay_basis), fields=fields, inputs=inputs.get(db_id, {}),
            loans=tuple(loans.get(db_id, ())), ytd=ytd.get(db_id, {}))
        sources.append(EmployeeSource(db_id, code, name, employee,
                                      tuple(novelties.get(db_id, ())), in_force is None))
    return sources


def _novelties(session: Session, definition_id: int, members: sa.Select[Any], period: PayPeriod
               ) -> tuple[dict[int, dict[str, Decimal]], dict[int, list[int]]]:
    novelty = m.Novelty
    inputs: dict[int, dict[str, Decimal]] = defaultdict(dict)
    used: dict[int, list[int]] = defaultdict(list)
    for novelty_id, employee_id, code, value in session.execute(
            sa.select(novelty.id, novelty.employee_id, novelty.input_code, novelty.value)
            .where(novelty.employee_id.in_(members),
                   novelty.status == m.NoveltyStatus.PENDING,
                   novelty.effective_date >= period.start, novelty.effective_date <= period.end,
                   sa.or_(novelty.definition_id == definition_id,
                          novelty.definition_id.is_(None)))
            .order_by(novelty.employee_id, novelty.id)):
        own = inputs[employee_id]
        own[code] = plain(own.get(code, Decimal(0)) + value)
        used[employee_id].append(novelty_id)
    return inputs, used


def _loans(session: Session, members: sa.Select[Any],
           loan_concepts: set[str]) -> dict[int, list[Loan]]:
    loans: dict[int, list[Loan]] = defaultdict(list)
    if not loan_concepts:
        return loans
    loan = m.Loan
    for loan_id, employee_id, concept, installment, balance in session.execute(
            sa.select(loan.id, loan.employee_id, loan.concept_code, loan.installment,
                      loan.balance)
            .where(loan.employee_id.in_(members), loan.status == m.LoanStatus.ACTIVE,
                   loan.concept_code.in_(sorted(loan_concepts)))
            .order_by(loan.employee_id, loan.start_date, loan.id)):
        if balance > 0:  # compared in Python: Money is TEXT on SQLite
            loans[employee_id].append(Loan(str(loan_id), concept, plain(installment),
                                           plain(balance)))
    return loans


def _ytd(session: Session, members: sa.Select[Any],
         setup: PayrollSetup) -> dict[int, dict[str, Decimal]]:
    ytd: dict[int, dict[str, Decimal]] = defaultdict(dict)
    codes = sorted(acc.code for acc in setup.accumulators)
    if not codes:
        return ytd
    balance = m.YtdBalance
    for employee_id, code, amount in session.execute(
            sa.select(balance.employee_id, balance.accumulator_code, balance.amount)
            .where(balance.employee_id.in_(members), balance.accumulator_code.in_(codes),
                   balance.fiscal_year == fiscal_year_of(setup))):
        ytd[employee_id][code] = plain(amount)
    return ytd
