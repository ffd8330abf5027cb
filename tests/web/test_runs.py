"""Payroll run pages: list, create (suggested period, validation), the lifecycle through the
web (calculate, recalculate, approve with its refusal, apply, void with the reason required),
progress JSON, compare, access per role and Spanish rendering.

The helpers at the top (``payroll``, ``calculated_run``, ``post``) are shared by the other run
page tests (``from test_runs import …``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
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
from coati_payroll.db.models import RunStatus
from coati_payroll.services.actor import Actor
from coati_payroll.services.runs import calculate_run, create_run
from coati_payroll.services.scenario_db import ScenarioIds, write_payroll
from coati_payroll.services.uow import UnitOfWork

ACTOR = Actor("tester")
D = Decimal
PERIOD = PayPeriod(date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 31))
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


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


def employee(i: int, *, failing: bool = False) -> Employee:
    inputs = {"OT_HOURS": D(i)} if i else {}
    if failing:
        inputs = {"UNDECLARED_INPUT": D(1)}  # unknown input: this employee's payslip fails
    return Employee(
        id=f"E{i:03d}", name=f"Employee {i}", hire_date=date(2020, 1, 1),
        salary=D(1000 + 100 * i), inputs=inputs,
        loans=(Loan(f"L{i}", "LOAN", D(250), D(1000)),) if i == 2 else (),
        ytd={"GROSS_YTD": D(5000)} if i else {})


def new_uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(make_session_factory(engine))


def payroll(engine: Engine, employees: int = 4, *, failing: int = 0,
            code: str = "WEB") -> ScenarioIds:
    """A monthly USD payroll with ``employees`` good employees and ``failing`` ones whose
    payslips fail (codes ``E000`` …)."""
    people = [employee(i) for i in range(employees)]
    people += [employee(employees + i, failing=True) for i in range(failing)]
    uow = new_uow(engine)
    with uow:
        ids = write_payroll(uow.session, ACTOR, setup(), people, code)
        uow.commit()
    return ids


def draft_run(engine: Engine, ids: ScenarioIds) -> int:
    return create_run(new_uow(engine), ACTOR, ids.definition_id, PERIOD.start, PERIOD.end,
                      PERIOD.payment_date).id


def calculated_run(engine: Engine, employees: int = 4, failing: int = 0,
                   code: str = "WEB") -> tuple[ScenarioIds, int]:
    ids = payroll(engine, employees, failing=failing, code=code)
    run_id = draft_run(engine, ids)
    calculate_run(new_uow(engine), ACTOR, run_id)
    return ids, run_id


def token(client: FlaskClient, path: str) -> str:
    match = _CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None,
         form_page: str | None = None) -> Any:
    return client.post(path, data={**(data or {}),
                                   "csrf_token": token(client, form_page or "/runs/")})


def flashes(response: Any) -> list[str]:
    return re.findall(r'class="flash flash-[a-z]+">([^<]*)<',
                      response.get_data(as_text=True))


def signed_in(client: FlaskClient, login: Callable[..., Any], who: str = "hr") -> FlaskClient:
    assert login(client, who).status_code == 302
    return client


def run_status(session: Session, run_id: int) -> RunStatus:
    session.expire_all()
    return RunStatus(session.execute(sa.select(m.PayrollRun.status)
                                     .where(m.PayrollRun.id == run_id)).scalar_one())


# -- list and create --------------------------------------------------------------------------

def test_list_filters_by_status(client: FlaskClient, users: Any, login: Callable[..., Any],
                                engine: Engine) -> None:
    ids, calculated = calculated_run(engine)
    other = create_run(new_uow(engine), ACTOR, ids.definition_id, date(2026, 2, 1),
                       date(2026, 2, 28)).id
    signed_in(client, login, "audit")
    page = client.get("/runs/").get_data(as_text=True)
    assert f'data-run-id="{calculated}"' in page and f'data-run-id="{other}"' in page
    page = client.get("/runs/?status=draft").get_data(as_text=True)
    assert f'data-run-id="{other}"' in page and f'data-run-id="{calculated}"' not in page
    assert 'id="run-new"' not in page  # audit reads only


def test_create_form_suggests_the_next_period(client: FlaskClient, users: Any,
                                              login: Callable[..., Any], engine: Engine) -> None:
    ids = payroll(engine)
    draft_run(engine, ids)  # January exists: February is suggested
    signed_in(client, login)
    page = client.get(f"/runs/new?definition_id={ids.definition_id}").get_data(as_text=True)
    assert 'name="period_start" required type="date" value="2026-02-01"' in page
    assert 'value="2026-02-28"' in page
    assert 'data-start="2026-02-01"' in page  # per-option suggestion for run-form.js


def test_create_saves_a_draft_and_refuses_bad_input(client: FlaskClient, users: Any,
                                                    login: Callable[..., Any], engine: Engine,
                                                    session: Session) -> None:
    ids = payroll(engine)
    signed_in(client, login)
    def count():
        return session.execute(sa.select(sa.func.count()).select_from(m.PayrollRun)
                                        ).scalar_one()
    bad = post(client, "/runs/new", {"definition_id": ids.definition_id,
                                     "period_start": "2026-01-31", "period_end": "2026-01-01"},
               "/runs/new")
    assert bad.status_code == 422
    assert "The period cannot end before it starts." in bad.get_data(as_text=True)
    missing = post(client, "/runs/new", {"definition_id": ids.definition_id}, "/runs/new")
    assert missing.status_code == 422
    assert "Enter the first day of the period (YYYY-MM-DD)." in missing.get_data(as_text=True)
    assert count() == 0
    good = post(client, "/runs/new", {"definition_id": ids.definition_id,
                                      "period_start": "2026-01-01", "period_end": "2026-01-31",
                                      "payment_date": "2026-01-31"}, "/runs/new")
    assert good.status_code == 302
    assert count() == 1
    overlap = post(client, "/runs/new", {"definition_id": ids.definition_id,
                                         "period_start": "2026-01-15",
                                         "period_end": "2026-02-14"}, "/runs/new")
    assert overlap.status_code == 409
    assert "already covers part of" in overlap.get_data(as_text=True)
    assert count() == 1


# -- lifecycle --------------------------------------------------------------------------------

def test_calculate_approve_apply_void_through_the_web(
        client: FlaskClient, users: Any, login: Callable[..., Any], engine: Engine,
        session: Session) -> None:
    ids = payroll(engine)
    run_id = draft_run(engine, ids)
    signed_in(client, login)
    page = client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert 'id="run-calculate"' in page and 'id="run-approve"' not in page
    response = post(client, f"/runs/{run_id}/calculate")
    assert response.status_code == 302
    detail = client.get(f"/runs/{run_id}")
    assert any("Payroll run calculated: 4 computed, 0 failed" in f for f in flashes(detail))
    assert run_status(session, run_id) is RunStatus.GENERATED
    page = detail.get_data(as_text=True)
    assert 'id="run-approve"' in page and 'id="run-recalculate"' in page
    assert 'id="run-pdf"' in page
    assert post(client, f"/runs/{run_id}/recalculate", {"refresh_setup": "y"}).status_code == 302
    assert run_status(session, run_id) is RunStatus.GENERATED
    assert post(client, f"/runs/{run_id}/approve").status_code == 302
    assert run_status(session, run_id) is RunStatus.APPROVED
    assert 'id="run-apply"' in client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert post(client, f"/runs/{run_id}/apply").status_code == 302
    assert run_status(session, run_id) is RunStatus.APPLIED
    loan = session.execute(sa.select(m.Loan.balance)).scalar_one()
    assert loan == D("750.00")
    # void: the reason is required, and nothing changes without it
    refused = post(client, f"/runs/{run_id}/void", {"reason": "  "})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Give the reason for voiding this payroll run." in text
    assert run_status(session, run_id) is RunStatus.APPLIED
    voided = post(client, f"/runs/{run_id}/void", {"reason": "wrong overtime"})
    assert voided.status_code == 302
    assert run_status(session, run_id) is RunStatus.VOIDED
    session.expire_all()
    assert session.execute(sa.select(m.Loan.balance)).scalar_one() == D("1000.00")
    page = client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert "wrong overtime" in page and 'id="run-void-form"' not in page
    again = post(client, f"/runs/{run_id}/void", {"reason": "twice"})
    assert again.status_code == 409
    assert "already voided" in again.get_data(as_text=True)


def test_approve_with_failed_employees_is_refused(client: FlaskClient, users: Any,
                                                  login: Callable[..., Any], engine: Engine,
                                                  session: Session) -> None:
    _, run_id = calculated_run(engine, employees=2, failing=1)
    signed_in(client, login, "admin")
    response = post(client, f"/runs/{run_id}/approve")
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "cannot approve payroll run" in text and "1 employee(s) failed (E002)" in text
    assert run_status(session, run_id) is RunStatus.GENERATED


def test_wrong_state_actions_are_refused(client: FlaskClient, users: Any,
                                         login: Callable[..., Any], engine: Engine,
                                         session: Session) -> None:
    run_id = draft_run(engine, payroll(engine, 1))
    signed_in(client, login)
    response = post(client, f"/runs/{run_id}/apply")
    assert response.status_code == 409
    assert "cannot apply payroll run" in response.get_data(as_text=True)
    assert post(client, f"/runs/{run_id}/approve").status_code == 409
    assert post(client, f"/runs/{run_id}/recalculate").status_code == 409
    assert run_status(session, run_id) is RunStatus.DRAFT
    assert post(client, "/runs/999999/approve").status_code == 404


def test_actions_need_the_csrf_token(client: FlaskClient, users: Any,
                                     login: Callable[..., Any], engine: Engine,
                                     session: Session) -> None:
    run_id = draft_run(engine, payroll(engine, 1))
    signed_in(client, login)
    assert client.post(f"/runs/{run_id}/calculate").status_code == 400
    assert run_status(session, run_id) is RunStatus.DRAFT


def test_audit_reads_but_cannot_act(client: FlaskClient, users: Any,
                                    login: Callable[..., Any], engine: Engine,
                                    session: Session) -> None:
    _, run_id = calculated_run(engine)
    signed_in(client, login, "audit")
    page = client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert 'id="run-approve"' not in page and 'id="run-void-form"' not in page
    assert post(client, f"/runs/{run_id}/approve").status_code == 403
    assert run_status(session, run_id) is RunStatus.GENERATED


def test_progress_json(client: FlaskClient, users: Any, login: Callable[..., Any],
                       engine: Engine) -> None:
    _, run_id = calculated_run(engine, employees=2, failing=1)
    signed_in(client, login, "audit")
    data = client.get(f"/runs/{run_id}/progress").get_json()
    assert data["status"] == "generated" and data["finished"] is True
    assert (data["total"], data["done"], data["failed"], data["percent"]) == (3, 3, 1, 100)
    failed = data.get("failed_employees") or data.get("failures")
    assert failed and failed[0].get("code", failed[0].get("employee")) == "E002"
    page = client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert 'id="run-progress"' in page and f'data-progress-url="/runs/{run_id}/progress"' in page
    assert "js/run-progress.js" in page
    assert client.get("/runs/999999/progress").status_code == 404


def test_compare_with_the_previous_run(client: FlaskClient, users: Any,
                                       login: Callable[..., Any], engine: Engine,
                                       session: Session) -> None:
    ids, first = calculated_run(engine)
    second = create_run(new_uow(engine), ACTOR, ids.definition_id, date(2026, 2, 1),
                        date(2026, 2, 28)).id
    calculate_run(new_uow(engine), ACTOR, second)
    signed_in(client, login, "audit")
    assert 'id="run-compare-link"' in client.get(f"/runs/{second}").get_data(as_text=True)
    page = client.get(f"/runs/{second}/compare").get_data(as_text=True)
    assert 'id="compare-totals"' in page and f"Run {first}" in page
    none = client.get(f"/runs/{first}/compare").get_data(as_text=True)
    assert 'id="compare-none"' in none


def test_detail_in_spanish(client: FlaskClient, users: Any, login: Callable[..., Any],
                           engine: Engine, session: Session) -> None:
    _, run_id = calculated_run(engine)
    session.execute(sa.update(m.User).where(m.User.username == "hr").values(language="es"))
    session.commit()
    signed_in(client, login)
    page = client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert "Nómina" in page and "Aprobar" in page and "Anular" in page
    assert "Salario neto" in page
    review = client.get(f"/runs/{run_id}/review").get_data(as_text=True)
    assert "Buscar por código o nombre" in review


def test_pages_of_a_missing_run_are_404(client: FlaskClient, users: Any,
                                        login: Callable[..., Any], app: Flask) -> None:
    signed_in(client, login, "audit")
    for path in ("/runs/5", "/runs/5/review", "/runs/5/compare", "/runs/5/employees/1"):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize("database_server", ["sqlite"], indirect=True)
def test_a_failed_setup_shows_the_message(client: FlaskClient, users: Any,
                                          login: Callable[..., Any], engine: Engine,
                                          session: Session) -> None:
    ids = payroll(engine, 1)
    run_id = draft_run(engine, ids)
    version = session.execute(sa.select(m.ConceptVersion).join(m.Concept)
                              .where(m.Concept.code == "SS")).scalar_one()
    version.formula = "gross * (("
    session.commit()
    signed_in(client, login)
    assert post(client, f"/runs/{run_id}/calculate").status_code == 302
    assert run_status(session, run_id) is RunStatus.ERROR
    page = client.get(f"/runs/{run_id}")
    assert any("The calculation failed" in f for f in flashes(page))
    assert 'id="run-error"' in page.get_data(as_text=True)


def test_background_calculation_shows_the_progress(
        make_app: Callable[..., Flask], make_settings: Callable[..., Any], users: Any,
        login: Callable[..., Any], engine: Engine, session: Session,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from coati_payroll.web.runs import dispatch

    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(dispatch, "probe_redis", lambda url: None)
    monkeypatch.setattr(dispatch.QueueClient, "enqueue_chunk",
                        lambda self, run_id, position: sent.append((run_id, position)))
    app = make_app(make_settings(REDIS_URL="redis://127.0.0.1:1/0", QUEUE_ENABLED="1",
                                 BACKGROUND_PAYROLL_THRESHOLD="1"))
    client = signed_in(app.test_client(), login)
    run_id = draft_run(engine, payroll(engine, 3))
    assert post(client, f"/runs/{run_id}/calculate").status_code == 302
    assert sent and all(r == run_id for r, _ in sent)
    assert run_status(session, run_id) is RunStatus.CALCULATING
    detail = client.get(f"/runs/{run_id}")
    assert any("The calculation runs in the background: 3 employees, more than the "
               "background threshold of 1" in f for f in flashes(detail))
    page = detail.get_data(as_text=True)
    assert 'id="run-progress"' in page and 'data-run-status="calculating"' in page
    assert 'id="run-progress" data-progress-url' in page and " hidden>" not in page
    data = client.get(f"/runs/{run_id}/progress").get_json()
    assert data["status"] == "calculating" and data["finished"] is False
    assert data["mode"] == "background" and data["total"] == 3
    # the way out of a calculation nobody finishes: void it (with a reason)
    assert post(client, f"/runs/{run_id}/void", {"reason": "worker down"}).status_code == 302
    assert run_status(session, run_id) is RunStatus.VOIDED


def test_synchronous_calculation_says_why(client: FlaskClient, users: Any,
                                          login: Callable[..., Any], engine: Engine) -> None:
    run_id = draft_run(engine, payroll(engine, 2))
    signed_in(client, login)
    post(client, f"/runs/{run_id}/calculate")
    messages = flashes(client.get(f"/runs/{run_id}"))
    assert any("calculated in this request" in f for f in messages), messages


# -- cancel a calculation -------------------------------------------------------------------

def test_cancel_a_calculating_run(client: FlaskClient, users: Any, login: Callable[..., Any],
                                  engine: Engine, session: Session) -> None:
    ids = payroll(engine)
    run_id = draft_run(engine, ids)
    signed_in(client, login)
    refused = post(client, f"/runs/{run_id}/cancel", form_page=f"/runs/{run_id}")
    assert refused.status_code in (409, 422)
    assert any("only a calculating run" in text for text in flashes(refused))
    session.execute(sa.update(m.PayrollRun).where(m.PayrollRun.id == run_id).values(
        status=RunStatus.CALCULATING, calculation_token="stuck", version_id=2))
    session.commit()
    page = client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert 'id="run-cancel"' in page
    response = post(client, f"/runs/{run_id}/cancel", form_page=f"/runs/{run_id}")
    assert response.status_code == 302
    assert run_status(session, run_id) is RunStatus.DRAFT
    followed = client.get(f"/runs/{run_id}")
    assert any("was cancelled" in text for text in flashes(followed))
