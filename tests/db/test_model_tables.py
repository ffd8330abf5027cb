"""Every model can be written and read back on every backend; constraints hold."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from coati_payroll.db.base import Base
from coati_payroll.db.models import (
    Concept,
    ConceptVersion,
    Currency,
    DefinitionEmployee,
    Employee,
    PayrollRun,
    RunEmployee,
    RunLine,
    RunStatus,
    SalaryChange,
    User,
)
from coati_payroll.db.testing import Factory

# Factory method → the model it builds; together they cover every table.
BUILDERS = {
    "user": "users", "company": "companies", "currency": "currencies",
    "exchange_rate": "exchange_rates", "employee": "employees",
    "salary_change": "salary_changes", "custom_field": "custom_field_definitions",
    "concept": "concepts", "concept_version": "concept_versions",
    "concept_test_case": "concept_test_cases", "rate_table": "rate_tables",
    "payroll_type": "payroll_types", "input_definition": "input_definitions",
    "accumulator": "accumulator_definitions", "definition": "payroll_definitions",
    "definition_employee": "definition_employees", "definition_concept": "definition_concepts",
    "run": "payroll_runs", "run_employee": "run_employees", "run_line": "run_lines",
    "run_chunk": "run_chunks", "run_event": "run_events",
    "novelty": "novelties", "loan": "loans", "loan_movement": "loan_movements",
    "ytd_balance": "ytd_balances", "audit_entry": "audit_entries",
}


def test_builders_cover_every_table() -> None:
    import coati_payroll.db.models  # noqa: F401

    covered = set(BUILDERS.values()) | {"rate_table_rows"}  # rows come with rate_table
    assert covered == set(Base.metadata.tables)


def _columns(obj: Base) -> dict[str, Any]:
    return {column.key: getattr(obj, column.key) for column in sa.inspect(type(obj)).columns}


@pytest.mark.parametrize("builder", sorted(BUILDERS))
def test_every_model_round_trips(session: Session, factory: Factory, builder: str) -> None:
    obj = getattr(factory, builder)()
    session.commit()
    written = _columns(obj)
    session.expunge_all()
    read = session.get(type(obj), obj.id)
    assert read is not None
    assert _columns(read) == written
    assert session.scalar(sa.select(sa.func.count()).select_from(type(obj))) >= 1


def test_a_full_run_reads_back(session: Session, factory: Factory) -> None:
    definition = factory.definition()
    employee = factory.employee(company=None, company_id=definition.company_id)
    factory.definition_employee(definition=definition, employee=employee)
    run = factory.run(definition=definition, snapshot={"rates": {"USD": Decimal("36.6243")}})
    result = factory.run_employee(run=run, employee=employee, gross=Decimal("10500.00"),
                                  notices=[{"code": "prorated", "params": {"paid_days": 15}}])
    factory.run_line(run_employee=result)
    factory.run_line(run_employee=result, code="BONUS", amount=Decimal("500.00"))
    session.commit()
    session.expunge_all()

    loaded = session.get(PayrollRun, run.id)
    assert loaded is not None and loaded.status is RunStatus.DRAFT
    assert loaded.snapshot == {"rates": {"USD": "36.6243"}}
    [payslip] = loaded.results
    assert [line.code for line in payslip.lines] == ["BASE", "BONUS"]
    assert payslip.notices == [{"code": "prorated", "params": {"paid_days": 15}}]

    session.delete(loaded)  # a run owns its results and lines
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(RunLine)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(RunEmployee)) == 0


def _twice(make: Callable[[], object]) -> None:
    make()
    make()


def _same_employee_code(f: Factory) -> None:
    company = f.company()
    _twice(lambda: f.employee(company=company, code="E1"))


def _same_definition_employee(f: Factory) -> None:
    link = f.definition_employee()
    f.add(DefinitionEmployee(definition_id=link.definition_id, employee_id=link.employee_id))


def _same_run_employee(f: Factory) -> None:
    result = f.run_employee()
    f.run_employee(run_id=result.run_id, employee_id=result.employee_id)


def _same_ytd(f: Factory) -> None:
    ytd = f.ytd_balance()
    f.ytd_balance(employee_id=ytd.employee_id, accumulator_code=ytd.accumulator_code)


DUPLICATES: dict[str, Callable[[Factory], None]] = {
    "username": lambda f: _twice(lambda: f.user(username="ana")),
    "company code": lambda f: _twice(lambda: f.company(code="A")),
    "currency code": lambda f: _twice(lambda: f.add(Currency(code="USD", name="US dollar"))),
    "exchange rate per day": lambda f: _twice(
        lambda: f.exchange_rate(from_code="USD", to_code="NIO")),
    "employee code per company": _same_employee_code,
    # employee() already wrote a salary change on the hire date
    "salary change per date": lambda f: f.salary_change(employee=f.employee()) and None,
    "concept code": lambda f: _twice(lambda: f.concept(code="SS")),
    "concept version number": lambda f: f.add(ConceptVersion(
        concept_id=f.concept().id, version=1, effective_from=date(2026, 1, 1), formula="1"))
        and None,
    "table code per date": lambda f: _twice(lambda: f.rate_table(code="ISR")),
    "custom field code": lambda f: _twice(lambda: f.custom_field(code="x")),
    "definition employee": _same_definition_employee,
    "run employee": _same_run_employee,
    "ytd triple": _same_ytd,
}


@pytest.mark.parametrize("case", sorted(DUPLICATES))
def test_unique_constraints(session: Session, factory: Factory, case: str) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        DUPLICATES[case](factory)


def test_codes_are_case_sensitive_everywhere(session: Session, factory: Factory) -> None:
    """MariaDB's default collation would make these collide; the Code type prevents it."""
    factory.concept(code="isr")
    factory.concept(code="ISR")
    session.commit()
    found = session.scalars(sa.select(Concept.code).where(Concept.code == "isr")).all()
    assert found == ["isr"]


def test_foreign_keys_are_enforced(session: Session, factory: Factory) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        factory.add(Employee(company_id=999_999, code="X", first_name="a", last_name="b",
                             hire_date=date(2026, 1, 1)))


def test_enum_check_constraints_refuse_unknown_values(session: Session, factory: Factory) -> None:
    user = factory.user()
    session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        session.execute(sa.text("UPDATE users SET role = 'root' WHERE id = :id"), {"id": user.id})
        session.flush()
    session.rollback()


def test_check_constraints(session: Session, factory: Factory) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        factory.run(period_start=date(2026, 2, 1), period_end=date(2026, 1, 31))
    session.rollback()
    with pytest.raises(sa.exc.IntegrityError):
        factory.payroll_type(fiscal_year_start_month=13)


def test_salary_history_orders_by_date(session: Session, factory: Factory) -> None:
    employee = factory.employee(salary=Decimal("1000.00"))
    factory.salary_change(employee=employee, effective_date=date(2026, 7, 1),
                          salary=Decimal("1100.00"))
    session.commit()
    session.expunge_all()
    loaded = session.get(Employee, employee.id)
    assert loaded is not None
    assert [c.salary for c in loaded.salary_changes] == [Decimal("1000"), Decimal("1100")]
    in_force = session.scalars(
        sa.select(SalaryChange.salary)
        .where(SalaryChange.employee_id == employee.id,
               SalaryChange.effective_date <= date(2026, 6, 30))
        .order_by(SalaryChange.effective_date.desc()).limit(1)).one()
    assert in_force == Decimal("1000")


def test_optimistic_locking_of_runs(engine: sa.Engine, factory: Factory, session: Session) -> None:
    run = factory.run()
    session.commit()
    with Session(engine) as other:
        other_run = other.get(PayrollRun, run.id)
        assert other_run is not None
        other_run.status = RunStatus.CALCULATING
        other.commit()
    run.status = RunStatus.VOIDED
    with pytest.raises(StaleDataError):
        session.commit()


def test_calculation_token_claims_a_run_once(session: Session, factory: Factory) -> None:
    run = factory.run()
    session.commit()

    def claim(token: str) -> int:
        result = session.execute(
            sa.update(PayrollRun)
            .where(PayrollRun.id == run.id, PayrollRun.calculation_token.is_(None))
            .values(calculation_token=token)
            .execution_options(synchronize_session=False))
        session.commit()
        return result.rowcount  # type: ignore[attr-defined, no-any-return]

    assert claim("first") == 1
    assert claim("second") == 0


def test_updated_at_moves_on_update(session: Session, factory: Factory) -> None:
    user = factory.user()
    session.commit()
    created, updated = user.created_at, user.updated_at
    user.active = False
    session.commit()
    assert user.created_at == created
    assert user.updated_at > updated


def test_passwords_are_argon2(session: Session) -> None:
    user = User(username="ana", role="admin")
    user.set_password("s3cret")
    assert user.password_hash.startswith("$argon2id$")
    assert user.check_password("s3cret") and not user.check_password("other")
    assert not user.password_needs_rehash()
