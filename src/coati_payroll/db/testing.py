"""Support for tests and benchmarks (never imported by the application).

* :func:`count_queries` — counts the SQL statements an engine runs inside a ``with`` block,
  for guards against N+1 queries::

      with count_queries(engine) as queries:
          service.load_run(session, run_id)
      assert queries.count <= 5, queries.statements

* :class:`Factory` — builds valid rows of every model with sensible defaults and unique codes,
  adds them to a session and flushes (never commits)::

      make = Factory(session)
      employee = make.employee(salary=Decimal("12000.00"))
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from coati_payroll.core.formula.tables import TableKind
from coati_payroll.core.model import ConceptKind, FieldType, Periodicity
from coati_payroll.core.results import PayslipStatus
from coati_payroll.db.base import Base
from coati_payroll.db.models import (
    AccumulatorDefinition,
    AuditEntry,
    Company,
    Concept,
    ConceptTestCase,
    ConceptVersion,
    Currency,
    CustomFieldDefinition,
    DefinitionConcept,
    DefinitionEmployee,
    Employee,
    ExchangeRate,
    InputDefinition,
    Loan,
    LoanMovement,
    MovementKind,
    Novelty,
    PayrollDefinition,
    PayrollRun,
    PayrollType,
    RateTable,
    RateTableRow,
    Role,
    RunChunk,
    RunEmployee,
    RunEvent,
    RunLine,
    SalaryChange,
    User,
    YtdBalance,
)

_M = TypeVar("_M", bound=Base)


@dataclass
class QueryCounter:
    """The statements run so far (``executemany`` counts once)."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_queries(engine: Engine) -> Iterator[QueryCounter]:
    """Count the statements ``engine`` runs inside the block (all connections of it)."""
    counter = QueryCounter()

    def before_cursor_execute(conn: Any, cursor: Any, statement: str, parameters: Any,
                              context: Any, executemany: bool) -> None:
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


# A fixed argon2 hash of "password", so that building users costs no hashing time.
PASSWORD_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$"
    "gduXp+Z6iReEolmbyHn5V8s1EtJzmEvZfYoY/Fn/AeI"
)


class Factory:
    """Valid model rows with defaults; keyword arguments override any column. Each method
    adds the row to the session and flushes, so ids are set; parents are made on demand."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._sequence = itertools.count(1)

    def unique(self, prefix: str) -> str:
        return f"{prefix}{next(self._sequence)}"

    def add(self, obj: _M) -> _M:
        self.session.add(obj)
        self.session.flush()
        return obj

    def _currency_code(self, given: Any) -> str:
        if isinstance(given, str):
            return given
        return self.currency().code

    def user(self, **kw: Any) -> User:
        values: dict[str, Any] = {"username": self.unique("user"), "role": Role.HR,
                                  "password_hash": PASSWORD_HASH}
        return self.add(User(**(values | kw)))

    def company(self, **kw: Any) -> Company:
        code = self.unique("CO")
        return self.add(Company(**({"code": code, "name": f"Company {code}"} | kw)))

    def currency(self, **kw: Any) -> Currency:
        code = kw.pop("code", None) or self.unique("C")
        existing = self.session.scalars(sa.select(Currency).filter_by(code=code)).one_or_none()
        if existing is not None and not kw:
            return existing
        return self.add(Currency(**({"code": code, "name": f"Currency {code}"} | kw)))

    def exchange_rate(self, **kw: Any) -> ExchangeRate:
        values = {
            "from_code": self._currency_code(kw.pop("from_code", None)),
            "to_code": self._currency_code(kw.pop("to_code", None)),
            "effective_date": date(2026, 1, 1), "rate": Decimal("36.6243"),
        }
        return self.add(ExchangeRate(**(values | kw)))

    def employee(self, salary: Decimal | None = Decimal("10000.00"), **kw: Any) -> Employee:
        """An employee; with ``salary`` (None: no salary row) a salary change effective on
        the hire date, in ``salary_currency`` (made when not given)."""
        currency = kw.pop("salary_currency", None)
        company = kw.pop("company", None) or (None if "company_id" in kw else self.company())
        code = self.unique("E")
        values: dict[str, Any] = {
            "code": code, "first_name": "Ana", "last_name": f"Employee {code}",
            "hire_date": date(2025, 1, 1),
        }
        if company is not None:
            values["company_id"] = company.id
        employee = self.add(Employee(**(values | kw)))
        if salary is not None:
            self.salary_change(employee=employee, salary=salary,
                               currency_code=self._currency_code(currency),
                               effective_date=employee.hire_date)
        return employee

    def salary_change(self, employee: Employee | None = None, **kw: Any) -> SalaryChange:
        employee = employee or self.employee(salary=None)
        values: dict[str, Any] = {
            "employee_id": employee.id, "effective_date": employee.hire_date,
            "salary": Decimal("10000.00"),
        }
        if "currency_code" not in kw:
            values["currency_code"] = self.currency().code
        return self.add(SalaryChange(**(values | kw)))

    def custom_field(self, **kw: Any) -> CustomFieldDefinition:
        code = self.unique("field_")
        return self.add(CustomFieldDefinition(
            **({"code": code, "label": code, "type": FieldType.NUMBER} | kw)))

    def concept(self, formula: str = "salary * 0.07", **kw: Any) -> Concept:
        """A concept with one approved version (version 1) computing ``formula``."""
        version_kw = {k: kw.pop(k) for k in list(kw) if k in _VERSION_FIELDS}
        code = self.unique("CONCEPT")
        concept = self.add(Concept(
            **({"code": code, "name": code, "kind": ConceptKind.DEDUCTION} | kw)))
        self.concept_version(concept=concept, formula=formula, **version_kw)
        return concept

    def concept_version(self, concept: Concept | None = None, **kw: Any) -> ConceptVersion:
        concept = concept or self.concept()
        number = 1 + max((v.version for v in concept.versions), default=0)
        values: dict[str, Any] = {
            "concept_id": concept.id, "version": number, "effective_from": date(2026, 1, 1),
            "formula": "0", "status": "approved",
        }
        version = self.add(ConceptVersion(**(values | kw)))
        self.session.refresh(concept, ["versions"])
        return version

    def concept_test_case(self, concept: Concept | None = None, **kw: Any) -> ConceptTestCase:
        concept = concept or self.concept()
        values: dict[str, Any] = {"concept_id": concept.id, "name": self.unique("case "),
                                  "inputs": {"salary": "1000"}, "expected": Decimal("70")}
        return self.add(ConceptTestCase(**(values | kw)))

    def rate_table(self, rows: list[tuple[str, str | None, str, str]] | None = None,
                   **kw: Any) -> RateTable:
        """A table with ``rows`` of (lower, upper, rate, fixed) as decimal strings."""
        code = self.unique("TABLE")
        table = self.add(RateTable(**({
            "code": code, "name": code, "kind": TableKind.PROGRESSIVE,
            "effective_from": date(2026, 1, 1)} | kw)))
        for position, (lower, upper, rate, fixed) in enumerate(
                rows or [("0", "100000", "0", "0"), ("100000", None, "0.15", "0")]):
            self.add(RateTableRow(table_id=table.id, position=position, lower=Decimal(lower),
                                  upper=None if upper is None else Decimal(upper),
                                  rate=Decimal(rate), fixed=Decimal(fixed)))
        return table

    def payroll_type(self, **kw: Any) -> PayrollType:
        code = self.unique("TYPE")
        return self.add(PayrollType(
            **({"code": code, "name": code, "periodicity": Periodicity.MONTHLY} | kw)))

    def input_definition(self, **kw: Any) -> InputDefinition:
        code = self.unique("INPUT")
        return self.add(InputDefinition(**({"code": code, "name": code} | kw)))

    def accumulator(self, **kw: Any) -> AccumulatorDefinition:
        code = self.unique("ACC")
        return self.add(AccumulatorDefinition(
            **({"code": code, "name": code, "amount": "gross"} | kw)))

    def definition(self, **kw: Any) -> PayrollDefinition:
        company = kw.pop("company", None) or (None if "company_id" in kw else self.company())
        code = self.unique("PAYROLL")
        values: dict[str, Any] = {"code": code, "name": code}
        if company is not None:
            values["company_id"] = company.id
        if "payroll_type_id" not in kw:
            values["payroll_type_id"] = self.payroll_type().id
        if "currency_code" not in kw:
            values["currency_code"] = self.currency().code
        return self.add(PayrollDefinition(**(values | kw)))

    def definition_employee(self, **kw: Any) -> DefinitionEmployee:
        definition = kw.pop("definition", None) or self.definition()
        employee = kw.pop("employee", None) or self.employee()
        return self.add(DefinitionEmployee(
            **({"definition_id": definition.id, "employee_id": employee.id} | kw)))

    def definition_concept(self, **kw: Any) -> DefinitionConcept:
        definition = kw.pop("definition", None) or self.definition()
        concept = kw.pop("concept", None) or self.concept()
        return self.add(DefinitionConcept(
            **({"definition_id": definition.id, "concept_id": concept.id} | kw)))

    def run(self, **kw: Any) -> PayrollRun:
        definition = kw.pop("definition", None)
        values: dict[str, Any] = {"period_start": date(2026, 1, 1),
                                  "period_end": date(2026, 1, 31)}
        if "definition_id" not in kw:
            values["definition_id"] = (definition or self.definition()).id
        return self.add(PayrollRun(**(values | kw)))

    def run_employee(self, **kw: Any) -> RunEmployee:
        run = kw.pop("run", None) or (None if "run_id" in kw else self.run())
        employee = kw.pop("employee", None) or (None if "employee_id" in kw else self.employee())
        values: dict[str, Any] = {"status": PayslipStatus.OK}
        if run is not None:
            values["run_id"] = run.id
        if employee is not None:
            values["employee_id"] = employee.id
        return self.add(RunEmployee(**(values | kw)))

    def run_line(self, **kw: Any) -> RunLine:
        result = kw.pop("run_employee", None) or self.run_employee()
        values: dict[str, Any] = {
            "run_employee_id": result.id, "run_id": result.run_id,
            "position": len(result.lines), "code": "BASE", "name": "Base salary",
            "kind": ConceptKind.EARNING, "amount": Decimal("10000.00"),
        }
        line = self.add(RunLine(**(values | kw)))
        self.session.refresh(result, ["lines"])
        return line

    def run_chunk(self, **kw: Any) -> RunChunk:
        run = kw.pop("run", None) or (None if "run_id" in kw else self.run())
        values: dict[str, Any] = {"position": 0, "employee_ids": [1, 2, 3]}
        if run is not None:
            values["run_id"] = run.id
        return self.add(RunChunk(**(values | kw)))

    def run_event(self, **kw: Any) -> RunEvent:
        run = kw.pop("run", None) or (None if "run_id" in kw else self.run())
        values: dict[str, Any] = {"code": "chunk.done", "message": "Chunk 1: 3 employees",
                                  "params": {"position": 0, "employees": 3}}
        if run is not None:
            values["run_id"] = run.id
        return self.add(RunEvent(**(values | kw)))

    def novelty(self, **kw: Any) -> Novelty:
        values: dict[str, Any] = {"value": Decimal("8"), "effective_date": date(2026, 1, 15)}
        if "employee_id" not in kw:
            values["employee_id"] = (kw.pop("employee", None) or self.employee()).id
        if "input_code" not in kw:
            values["input_code"] = self.input_definition().code
        return self.add(Novelty(**(values | kw)))

    def loan(self, **kw: Any) -> Loan:
        values: dict[str, Any] = {
            "principal": Decimal("3000.00"), "installments": 10,
            "installment": Decimal("300.00"), "balance": Decimal("3000.00"),
            "start_date": date(2026, 1, 1),
        }
        if "employee_id" not in kw:
            values["employee_id"] = (kw.pop("employee", None) or self.employee()).id
        if "concept_code" not in kw:
            values["concept_code"] = self.concept(formula="loan.installment", loan=True).code
        return self.add(Loan(**(values | kw)))

    def loan_movement(self, **kw: Any) -> LoanMovement:
        loan = kw.pop("loan", None) or self.loan()
        values: dict[str, Any] = {
            "loan_id": loan.id, "movement_date": loan.start_date,
            "kind": MovementKind.DISBURSEMENT, "amount": loan.principal,
            "balance_after": loan.principal,
        }
        return self.add(LoanMovement(**(values | kw)))

    def ytd_balance(self, **kw: Any) -> YtdBalance:
        values: dict[str, Any] = {"fiscal_year": 2026, "amount": Decimal("0")}
        if "employee_id" not in kw:
            values["employee_id"] = (kw.pop("employee", None) or self.employee()).id
        if "accumulator_code" not in kw:
            values["accumulator_code"] = self.accumulator().code
        return self.add(YtdBalance(**(values | kw)))

    def audit_entry(self, **kw: Any) -> AuditEntry:
        values: dict[str, Any] = {
            "action": "update", "entity_type": "concept", "entity_id": "1",
            "username": "system", "before": {"formula": "1"}, "after": {"formula": "2"},
        }
        return self.add(AuditEntry(**(values | kw)))


_VERSION_FIELDS = frozenset({
    "status", "effective_from", "condition", "priority", "cap", "floor", "shortfall", "loan",
    "tags", "debit_account", "credit_account", "note", "created_by_id", "approved_by_id",
    "approved_at",
})
