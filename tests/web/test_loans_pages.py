"""Loan pages: list, create with a schedule preview (good and bad input, nothing saved on
error), detail with schedule and balance history, extra payment and forgiveness."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from test_runs import flashes, payroll, signed_in, token

from coati_payroll.db import models as m

GOOD = {"company": "WEB", "employee": "E001", "concept_code": "LOAN", "kind": "loan",
        "principal": "1000.00", "installments": "4", "interest_method": "none",
        "annual_rate": "0", "start_date": "2026-01-01", "currency_code": "USD",
        "periods_per_year": "12", "note": ""}


def loans(session: Session) -> list[tuple[Decimal, str]]:
    session.expire_all()
    return [(balance, str(status)) for balance, status in session.execute(
        sa.select(m.Loan.balance, m.Loan.status).order_by(m.Loan.id))]


def submit(client: FlaskClient, path: str, data: dict[str, Any], page: str = "/loans/new"
           ) -> Any:
    return client.post(path, data={**data, "csrf_token": token(client, page)})


def test_preview_shows_the_schedule_without_saving(client: FlaskClient, users: Any,
                                                   login: Callable[..., Any], engine: Engine,
                                                   session: Session) -> None:
    payroll(engine, 2)
    before = loans(session)
    signed_in(client, login)
    response = submit(client, "/loans/new", {**GOOD, "preview": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="loan-schedule-preview"' in page
    assert page.count('data-installment="') == 4 and "$250.00" in page
    assert loans(session) == before


def test_create_and_detail(client: FlaskClient, users: Any, login: Callable[..., Any],
                           engine: Engine, session: Session) -> None:
    payroll(engine, 2)
    before = loans(session)
    signed_in(client, login)
    response = submit(client, "/loans/new", {**GOOD, "interest_method": "flat",
                                              "annual_rate": "0.12"})
    assert response.status_code == 302
    assert loans(session) == [*before, (Decimal("1040.00"), "active")]
    detail = client.get(response.headers["Location"])
    assert any("Loan" in f and "created" in f for f in flashes(detail))
    page = detail.get_data(as_text=True)
    assert 'id="loan-schedule"' in page and page.count('data-installment="') == 4
    assert 'data-movement="disbursement"' in page and 'data-movement="interest"' in page
    assert 'id="loan-extra-form"' in page and 'id="loan-forgive-form"' in page


def test_create_refuses_bad_input_and_saves_nothing(client: FlaskClient, users: Any,
                                                    login: Callable[..., Any],
                                                    engine: Engine, session: Session) -> None:
    payroll(engine, 2)
    before = loans(session)
    signed_in(client, login)
    cases = [
        ({"principal": "0"}, "Enter an amount greater than zero, e.g. 1500.00."),
        ({"principal": "abc"}, "Not a valid decimal value."),
        ({"installments": "0"}, "From 1 to 1200 installments."),
        ({"annual_rate": "2"}, "A fraction from 0 to 1 (0.12 means 12 percent)."),
        ({"employee": "NOBODY"}, "No employee with this code in the company."),
        ({"annual_rate": "0.1"}, "must be 0 when the interest method is none"),
        ({"concept_code": ""}, "Choose the deduction that repays the loan."),
        ({"start_date": "2019-01-01"}, "before the hire date 2020-01-01"),
        ({"principal": "1000.005"}, "the loan cannot be saved"),
    ]
    for change, message in cases:
        response = submit(client, "/loans/new", {**GOOD, **change})
        assert response.status_code == 422, change
        text = response.get_data(as_text=True)
        assert message in text, (change, text[text.find("field-errors"):][:300])
    assert loans(session) == before


def _loan(client: FlaskClient, session: Session) -> int:
    assert submit(client, "/loans/new", GOOD).status_code == 302
    return int(session.execute(sa.select(sa.func.max(m.Loan.id))).scalar_one())


def test_extra_payment(client: FlaskClient, users: Any, login: Callable[..., Any],
                       engine: Engine, session: Session) -> None:
    payroll(engine, 2)
    signed_in(client, login)
    loan_id = _loan(client, session)
    path, page = f"/loans/{loan_id}/extra-payment", f"/loans/{loan_id}"
    too_much = submit(client, path, {"extra-amount": "5000", "extra-day": "2026-02-01",
                                     "extra-reduce": "count"}, page)
    assert too_much.status_code == 422
    assert "more than the balance 1000.00" in too_much.get_data(as_text=True)
    no_date = submit(client, path, {"extra-amount": "100", "extra-reduce": "count"}, page)
    assert no_date.status_code == 422
    assert "Enter the date (YYYY-MM-DD)." in no_date.get_data(as_text=True)
    early = submit(client, path, {"extra-amount": "100", "extra-day": "2025-12-01",
                                  "extra-reduce": "count"}, page)
    assert early.status_code == 422
    assert "before the loan&#39;s start date" in early.get_data(as_text=True)
    assert loans(session)[-1] == (Decimal("1000.00"), "active")
    good = submit(client, path, {"extra-amount": "400", "extra-day": "2026-02-01",
                                 "extra-reduce": "amount"}, page)
    assert good.status_code == 302
    assert loans(session)[-1] == (Decimal("600.00"), "active")
    detail = client.get(page)
    assert "Extra payment recorded." in flashes(detail)
    assert 'data-movement="extra_payment"' in detail.get_data(as_text=True)


def test_forgiveness_of_the_whole_balance(client: FlaskClient, users: Any,
                                          login: Callable[..., Any], engine: Engine,
                                          session: Session) -> None:
    payroll(engine, 2)
    signed_in(client, login)
    loan_id = _loan(client, session)
    path, page = f"/loans/{loan_id}/forgive", f"/loans/{loan_id}"
    bad = submit(client, path, {"forgive-amount": "-5", "forgive-day": "2026-02-01"}, page)
    assert bad.status_code == 422
    assert loans(session)[-1] == (Decimal("1000.00"), "active")
    assert submit(client, path, {"forgive-amount": "100",
                                 "forgive-day": "2026-02-01"}, page).status_code == 302
    assert loans(session)[-1] == (Decimal("900.00"), "active")
    assert submit(client, path, {"forgive-day": "2026-02-02"}, page).status_code == 302
    assert loans(session)[-1] == (Decimal("0.00"), "forgiven")
    detail = client.get(page).get_data(as_text=True)
    assert 'id="loan-forgive-form"' not in detail  # nothing left to forgive
    closed = submit(client, path, {"forgive-day": "2026-02-03"}, "/loans/")
    assert closed.status_code == 409


def test_list_and_access(client: FlaskClient, users: Any, login: Callable[..., Any],
                         engine: Engine, session: Session) -> None:
    payroll(engine, 3)
    signed_in(client, login)
    _loan(client, session)
    audit = client.application.test_client()
    signed_in(audit, login, "audit")
    page = audit.get("/loans/").get_data(as_text=True)
    assert page.count("data-loan-id=") == 2  # E002's loan from the payroll, and the new one
    assert 'id="loan-new"' not in page
    assert audit.get("/loans/?employee=E001").get_data(as_text=True).count("data-loan-id=") == 1
    assert audit.get("/loans/?status=paid").get_data(as_text=True).count("data-loan-id=") == 0
    loan_id = int(session.execute(sa.select(sa.func.max(m.Loan.id))).scalar_one())
    detail = audit.get(f"/loans/{loan_id}").get_data(as_text=True)
    assert 'id="loan-extra-form"' not in detail
    refused = submit(audit, f"/loans/{loan_id}/forgive", {"forgive-day": "2026-02-01"},
                     "/loans/")
    assert refused.status_code == 403
    assert audit.get("/loans/999999").status_code == 404


def test_pages_in_spanish(client: FlaskClient, users: Any, login: Callable[..., Any],
                          engine: Engine, session: Session) -> None:
    payroll(engine, 2)
    session.execute(sa.update(m.User).where(m.User.username == "hr").values(language="es"))
    session.commit()
    signed_in(client, login)
    page = submit(client, "/loans/new", {**GOOD, "preview": "1"}).get_data(as_text=True)
    assert "Nuevo préstamo" in page and "Plan de pagos" in page and "Cuota" in page
