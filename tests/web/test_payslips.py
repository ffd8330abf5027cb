"""The review page (paginated, searchable, a fixed number of queries) and the payslip page
(lines grouped, the trace of each line, notices as sentences, YTD and loan balances)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from test_runs import calculated_run, signed_in

from coati_payroll.db import models as m


def employee_id(session: Session, code: str) -> int:
    return session.execute(sa.select(m.Employee.id).where(m.Employee.code == code)).scalar_one()


def rows_of(page: str) -> int:
    return page.count('data-payslip-status="')


def test_review_paginates_searches_and_filters(client: FlaskClient, users: Any,
                                               login: Callable[..., Any],
                                               engine: Engine) -> None:
    _, run_id = calculated_run(engine, employees=55, failing=2)
    signed_in(client, login, "audit")
    first = client.get(f"/runs/{run_id}/review").get_data(as_text=True)
    assert rows_of(first) == 50
    assert 'data-total="57"' in first and 'rel="next"' in first
    second = client.get(f"/runs/{run_id}/review?page=2").get_data(as_text=True)
    assert rows_of(second) == 7 and 'data-employee-code="E056"' in second
    failed = client.get(f"/runs/{run_id}/review?status=error").get_data(as_text=True)
    assert rows_of(failed) == 2 and 'data-employee-code="E055"' in failed
    assert "input UNDECLARED_INPUT is not declared" in failed  # the failure reason
    search = client.get(f"/runs/{run_id}/review?q=e00").get_data(as_text=True)
    assert rows_of(search) == 10
    by_name = client.get(f"/runs/{run_id}/review?q=Employee%2012").get_data(as_text=True)
    assert rows_of(by_name) == 1 and 'data-employee-code="E012"' in by_name
    none = client.get(f"/runs/{run_id}/review?q=%25_nothing").get_data(as_text=True)
    assert rows_of(none) == 0 and "No employee matches." in none


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def test_review_pages_through_cursors_keeping_the_filters(
        client: FlaskClient, users: Any, login: Callable[..., Any], engine: Engine) -> None:
    _, run_id = calculated_run(engine, employees=55, failing=2)
    signed_in(client, login, "audit")
    first = client.get(f"/runs/{run_id}/review?q=e0").get_data(as_text=True)
    assert rows_of(first) == 50 and _link(first, "prev") is None
    assert "Page 1 of 2" in first
    after = _link(first, "next")
    assert after is not None and "after=" in after and "q=e0" in after and "page=2" in after
    second = client.get(after).get_data(as_text=True)
    assert rows_of(second) == 7 and 'data-employee-code="E056"' in second
    assert 'data-employee-code="E049"' not in second and "Page 2 of 2" in second
    assert _link(second, "next") is None
    before = _link(second, "prev")
    assert before is not None and "before=" in before and "q=e0" in before
    back = client.get(before).get_data(as_text=True)
    assert rows_of(back) == 50 and 'data-employee-code="E000"' in back
    assert _link(back, "prev") is None and _link(back, "next") and "Page 1 of 2" in back
    # The status filter travels too; a malformed cursor is the first page.
    failed = client.get(f"/runs/{run_id}/review?status=error&after=x").get_data(as_text=True)
    assert rows_of(failed) == 2


def test_review_lines_load_on_demand(client: FlaskClient, users: Any,
                                     login: Callable[..., Any], engine: Engine,
                                     session: Session) -> None:
    _, run_id = calculated_run(engine, employees=3)
    signed_in(client, login, "audit")
    page = client.get(f"/runs/{run_id}/review").get_data(as_text=True)
    target = employee_id(session, "E002")
    url = f"/runs/{run_id}/review/{target}/lines"
    assert f'data-lines-url="{url}"' in page and "js/review-lines.js" in page
    assert 'data-line-code="' not in page  # the lines are not in the page itself
    fragment = client.get(url)
    assert fragment.status_code == 200
    text = fragment.get_data(as_text=True)
    assert 'data-line-code="OVERTIME"' in text and 'data-line-code="LOAN"' in text
    assert "<html" not in text and "$" in text
    assert client.get(f"/runs/{run_id}/review/999999/lines").status_code == 404
    assert client.get(f"/runs/999999/review/{target}/lines").status_code == 404


def test_review_and_payslip_queries_do_not_grow_with_employees(
        client: FlaskClient, users: Any, login: Callable[..., Any], engine: Engine,
        session: Session, count_queries: Any) -> None:
    _, run_id = calculated_run(engine, employees=60)
    signed_in(client, login, "audit")
    client.get(f"/runs/{run_id}/review")  # warm up (catalogs, templates)

    def queries(path: str) -> int:
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    full = queries(f"/runs/{run_id}/review")  # 50 rows with their lines
    few = queries(f"/runs/{run_id}/review?q=E001")  # 1 row
    assert full == few
    assert full <= 7  # user, run header, count, rows, lines (+ session bookkeeping)
    assert queries(f"/runs/{run_id}/employees/{employee_id(session, 'E000')}") == queries(
        f"/runs/{run_id}/employees/{employee_id(session, 'E059')}")


def test_payslip_shows_lines_trace_ytd_and_loans(client: FlaskClient, users: Any,
                                                 login: Callable[..., Any], engine: Engine,
                                                 session: Session) -> None:
    _, run_id = calculated_run(engine, employees=3)
    signed_in(client, login, "audit")
    page = client.get(f"/runs/{run_id}/employees/{employee_id(session, 'E002')}"
                      ).get_data(as_text=True)
    for kind in ("earning", "deduction", "employer"):
        assert f'data-kind="{kind}"' in page
    assert 'data-line-code="OVERTIME"' in page and 'data-line-code="LOAN"' in page
    assert 'class="trace"' in page and "Explain" in page
    assert "input.OT_HOURS * hourly_rate * 1.5" in page  # the formula
    assert "<code>hourly_rate</code> =" in page  # a value read
    assert "Unrounded amount" in page
    assert 'id="payslip-net"' in page and "$879.95" in page  # 1215.00 − 85.05 − 250.00
    assert 'id="payslip-ytd"' in page and "GROSS_YTD" in page
    assert 'id="payslip-loans"' in page and "$750.00" in page
    assert 'id="payslip-pdf"' in page


def test_failed_payslip_shows_the_reason(client: FlaskClient, users: Any,
                                         login: Callable[..., Any], engine: Engine,
                                         session: Session) -> None:
    _, run_id = calculated_run(engine, employees=1, failing=1)
    signed_in(client, login, "audit")
    page = client.get(f"/runs/{run_id}/employees/{employee_id(session, 'E001')}"
                      ).get_data(as_text=True)
    assert 'id="payslip-failure"' in page and "UNDECLARED_INPUT" in page
    assert client.get(f"/runs/{run_id}/employees/999999").status_code == 404


def test_payslip_in_spanish(client: FlaskClient, users: Any, login: Callable[..., Any],
                            engine: Engine, session: Session) -> None:
    _, run_id = calculated_run(engine, employees=3)
    session.execute(sa.update(m.User).where(m.User.username == "audit").values(language="es"))
    session.commit()
    signed_in(client, login, "audit")
    page = client.get(f"/runs/{run_id}/employees/{employee_id(session, 'E002')}"
                      ).get_data(as_text=True)
    assert "Comprobante de pago" in page and "Percepciones" in page and "Deducciones" in page
    assert "Prestaciones patronales" in page and "Explicar" in page
    assert "Salario neto" in page and "Acumulado anual" in page
    assert "879,95\u00a0US$" in page


NOTICES = [
    ({"code": "deduction_cut", "params": {"concept": "LOAN", "requested": "250",
                                          "applied": "100.5", "shortfall": "149.5"}},
     "LOAN: only $100.50 of $250.00 could be deducted",
     "LOAN: solo se pudo deducir 100,50"),
    ({"code": "deduction_skipped", "params": {"concept": "SS", "requested": "70",
                                              "applied": "0", "shortfall": "70"}},
     "SS was not deducted: $70.00 did not fit", "SS no se dedujo"),
    ({"code": "prorated", "params": {"paid_days": "15", "period_days": "30",
                                     "worked_days": "15", "absence_days": "0"}},
     "15 of 30 days paid", "15 de 30 días pagados"),
    ({"code": "no_hours_worked", "params": {"input": "HOURS"}},
     "No hours worked were entered (input HOURS)", "No se ingresaron horas trabajadas"),
    ({"code": "excluded_not_hired", "params": {"hire_date": "2026-02-01"}},
     "hired on Feb 1, 2026", "contratado el 1 feb 2026"),
    ({"code": "excluded_terminated", "params": {"termination_date": "2025-12-31"}},
     "terminated on Dec 31, 2025", "dado de baja el 31 dic 2025"),
    ({"code": "something_new", "params": {"x": "1"}}, "Notice something_new (x=1).",
     "Aviso something_new (x=1)."),
]


@pytest.mark.parametrize(("notice", "english", "spanish"), NOTICES,
                         ids=[n[0]["code"] for n in NOTICES])
def test_notices_are_sentences_in_both_languages(app: Flask, notice: dict[str, Any],
                                                 english: str, spanish: str) -> None:
    from flask import session as flask_session

    from coati_payroll.web.runs.texts import notice_text

    for language, expected in (("en", english), ("es", spanish)):
        with app.test_request_context("/"):
            flask_session["language"] = language
            text = notice_text(notice, "USD").replace("\u00a0", " ")
            assert expected in text, (language, text)
