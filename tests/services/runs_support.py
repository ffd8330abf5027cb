"""A small payroll for the run tests, written through ``scenario_db.write_payroll``.

Monthly, USD, January 2026. Concepts: OVERTIME (hours input × hourly rate × 1.5), SS 7 % of
gross (priority 1), LOAN (loan installment, priority 2), ER_SS 10 % (employer). Accumulator
GROSS_YTD (gross). Employee ``i``: salary 1000 + 100·i, overtime hours i, a loan of balance
1000 and installment 250 for even i, a prior GROSS_YTD of 5000 for i ≥ 1.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from coati_payroll.core.model import (
    Accumulator,
    Concept,
    ConceptKind,
    Employee,
    InputDef,
    Loan,
    PayPeriod,
    PayrollSetup,
)
from coati_payroll.core.money import Currency
from coati_payroll.db import models as m
from coati_payroll.db.engine import make_session_factory
from coati_payroll.services.actor import Actor
from coati_payroll.services.runs import create_run
from coati_payroll.services.scenario_db import ScenarioIds, write_payroll
from coati_payroll.services.uow import UnitOfWork

ACTOR = Actor("tester")
D = Decimal
PERIOD = PayPeriod(date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 31))


def setup() -> PayrollSetup:
    return PayrollSetup(
        currency=Currency("USD"), period=PERIOD,
        concepts=(
            Concept("OVERTIME", ConceptKind.EARNING, "input.OT_HOURS * hourly_rate * 1.5",
                    name="Overtime"),
            Concept("SS", ConceptKind.DEDUCTION, "gross * 7%", name="Social security",
                    priority=1),
            Concept("LOAN", ConceptKind.DEDUCTION, "loan.installment", name="Loan", priority=2,
                    loan=True),
            Concept("ER_SS", ConceptKind.EMPLOYER, "gross * 10%", name="Employer SS"),
        ),
        inputs={"OT_HOURS": InputDef("OT_HOURS", "Overtime hours")},
        accumulators=(Accumulator("GROSS_YTD", "gross"),),
    )


def employee(i: int) -> Employee:
    return Employee(
        id=f"E{i:03d}", name=f"Employee {i}", hire_date=date(2020, 1, 1),
        salary=D(1000 + 100 * i), inputs={"OT_HOURS": D(i)} if i else {},
        loans=(Loan(f"L{i}", "LOAN", D(250), D(1000)),) if i % 2 == 0 else (),
        ytd={"GROSS_YTD": D(5000)} if i else {})


def new_uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(make_session_factory(engine))


def write(engine: Engine, employees: int = 4, code: str = "TEST") -> ScenarioIds:
    uow = new_uow(engine)
    with uow:
        ids = write_payroll(uow.session, ACTOR, setup(), [employee(i) for i in range(employees)],
                            code)
        uow.commit()
    return ids


def draft(engine: Engine, ids: ScenarioIds) -> int:
    return create_run(new_uow(engine), ACTOR, ids.definition_id, PERIOD.start, PERIOD.end,
                      PERIOD.payment_date).id


def state(session: Session) -> dict[str, object]:
    """Loans, year-to-date balances and novelties as plain values (for before/after checks)."""
    session.expire_all()
    return {
        "loans": sorted(tuple(r) for r in session.execute(
            sa.select(m.Loan.id, m.Loan.balance, m.Loan.status))),
        "ytd": sorted(tuple(r) for r in session.execute(
            sa.select(m.YtdBalance.employee_id, m.YtdBalance.accumulator_code,
                      m.YtdBalance.fiscal_year, m.YtdBalance.amount))),
        "novelties": sorted(tuple(r) for r in session.execute(
            sa.select(m.Novelty.id, m.Novelty.status, m.Novelty.run_id))),
    }
