"""Employee pages: list (search, filters, keyset pages with a constant query count), form with
custom fields (good and bad input), detail with salary history and raises, activation,
import and export, Spanish."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.core.model import FieldType
from coati_payroll.db.models import Employee, SalaryChange
from coati_payroll.db.testing import Factory
from coati_payroll.services.tabular import read_sheet_bytes

_ROW_LINK = re.compile(r'href="/employees/(\d+)">E\d+</a>')


def _hr(client: FlaskClient, login: Callable[..., Any], who: str = "hr") -> FlaskClient:
    assert login(client, who).status_code == 302
    return client


def _codes(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(sa.select(Employee.code).order_by(Employee.code)))


def _base(factory: Factory, session: Session) -> Any:
    company = factory.company(code="ACME", name="Acme")
    factory.currency(code="USD")
    session.commit()
    return company


def _form(**values: str) -> dict[str, str]:
    data = {"company_id": "", "code": "E1", "first_name": "Ana", "last_name": "López",
            "national_id": "001-010190-0001A", "email": "ana@example.com",
            "hire_date": "2026-01-05", "pay_basis": "monthly", "salary": "15000.50",
            "salary_currency": "USD"}
    data.update(values)
    return data


# -- list -----------------------------------------------------------------------------------------


def test_list_search_and_filters(client: FlaskClient, users: Any, login: Callable[..., Any],
                                 factory: Factory, session: Session) -> None:
    _hr(client, login)
    page = client.get("/employees/").get_data(as_text=True)
    assert "No employees yet." in page
    acme = factory.company(code="ACME")
    beta = factory.company(code="BETA")
    factory.employee(company=acme, code="A1", first_name="Ana", last_name="López",
                     national_id="001-X")
    factory.employee(company=acme, code="A2", first_name="Luis", last_name="Pérez")
    factory.employee(company=beta, code="B1", first_name="Ana", last_name="Ruiz", active=False)
    session.commit()
    page = client.get("/employees/").get_data(as_text=True)
    assert "López, Ana" in page and "Pérez, Luis" in page and "Ruiz" not in page
    page = client.get("/employees/?q=ana&status=all").get_data(as_text=True)
    assert "López, Ana" in page and "Ruiz, Ana" in page and "Pérez" not in page
    page = client.get("/employees/?q=ana+lóp").get_data(as_text=True)
    assert "López" in page and "Ruiz" not in page
    assert "Pérez" in client.get("/employees/?q=a2").get_data(as_text=True)
    assert "López" in client.get("/employees/?q=001-x").get_data(as_text=True)
    page = client.get("/employees/?company=BETA&status=inactive").get_data(as_text=True)
    assert "Ruiz" in page and "López" not in page
    assert 'value="BETA" selected' in page and 'value="inactive" selected' in page
    page = client.get("/employees/?q=nobody").get_data(as_text=True)
    assert "No employees match these filters." in page
    assert 'value="nobody"' in page  # the search stays in the form
    page = client.get("/employees/?q=50%25_").get_data(as_text=True)  # LIKE wildcards escaped
    assert "No employees match these filters." in page


def _bulk(session: Session, company_id: int, count: int) -> None:
    session.execute(sa.insert(Employee), [
        {"company_id": company_id, "code": f"E{n:05d}", "first_name": "Worker",
         "last_name": f"N{n:05d}", "hire_date": date(2025, 1, 1), "active": n % 10 != 0}
        for n in range(count)])
    session.commit()


def test_keyset_pages_constant_query_count(
        client: FlaskClient, users: Any, login: Callable[..., Any], factory: Factory,
        session: Session, engine: Any, count_queries: Any) -> None:
    first = factory.company(code="ACME")
    second = factory.company(code="BETA")
    session.commit()
    _bulk(session, first.id, 1800)
    _bulk(session, second.id, 1200)
    _hr(client, login)
    seen: list[int] = []
    counts: list[int] = []
    url: str | None = "/employees/?status=all"
    while url is not None:
        with count_queries() as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(queries.count)
        page = response.get_data(as_text=True)
        seen.extend(int(n) for n in _ROW_LINK.findall(page))
        found = re.search(r'rel="next" href="([^"]+)"', page)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert len(seen) == 3000 == len(set(seen))
    assert len(counts) == 60
    assert len(set(counts)) == 1, counts  # every page costs the same
    assert counts[0] <= 4
    # the last page links back; the previous page is the one before it
    assert 'rel="prev"' in page and "First page" in page
    prev = re.search(r'rel="prev" href="([^"]+)"', page)
    assert prev is not None
    before = client.get(prev.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert [int(n) for n in _ROW_LINK.findall(before)] == seen[-100:-50]
    assert "status=all" in prev.group(1)  # the filters stay in the links
    active = client.get("/employees/?company=ACME").get_data(as_text=True)
    assert "E00000" not in active and "E00001" in active  # inactive filtered out


# -- create and edit ------------------------------------------------------------------------------


def test_create_with_custom_fields(client: FlaskClient, users: Any, login: Callable[..., Any],
                                   csrf_token: Callable[..., str], factory: Factory,
                                   session: Session) -> None:
    company = _base(factory, session)
    factory.custom_field(code="children", label="Children", type=FieldType.NUMBER)
    factory.custom_field(code="union", label="Union member", type=FieldType.BOOLEAN,
                         default_value="false")
    factory.custom_field(code="contract_end", label="Contract end", type=FieldType.DATE,
                         default_value="2030-01-01")
    factory.custom_field(code="note", label="Note", type=FieldType.TEXT, default_value="")
    session.commit()
    _hr(client, login)
    page = client.get("/employees/new?company=ACME").get_data(as_text=True)
    assert "Children" in page and "Union member" in page and 'type="date"' in page
    assert f'<option selected value="{company.id}">' in page
    response = client.post("/employees/new", data=_form(
        csrf_token=csrf_token(client, "/employees/new"), company_id=str(company.id),
        custom_children="2", custom_union="true", custom_contract_end="2027-06-30",
        custom_note="night shift"))
    assert response.status_code == 302, response.get_data(as_text=True)
    employee = session.scalars(sa.select(Employee)).one()
    assert employee.custom_values == {"children": "2", "union": "true",
                                      "contract_end": "2027-06-30", "note": "night shift"}
    assert [(c.salary, c.currency_code, c.effective_date) for c in employee.salary_changes] == [
        (Decimal("15000.50"), "USD", date(2026, 1, 5))]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Employee E1 created." in page and "$15,000.50" in page and "night shift" in page


def test_create_bad_input_saves_nothing(client: FlaskClient, users: Any,
                                        login: Callable[..., Any],
                                        csrf_token: Callable[..., str], factory: Factory,
                                        session: Session) -> None:
    company = _base(factory, session)
    factory.custom_field(code="children", label="Children", type=FieldType.NUMBER)
    session.commit()
    _hr(client, login)
    token = csrf_token(client, "/employees/new")
    response = client.post("/employees/new", data=_form(
        csrf_token=token, company_id=str(company.id), code="9 bad", first_name="",
        email="not-mail", hire_date="", salary="1.234,56", custom_children="two",
        termination_date="2020-01-01"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in ("Use 1-40 letters, digits or _, starting with a letter.",
                    "Enter the first name.", "Enter an e-mail address such as ana@example.com.",
                    "Enter the hire date.", "Enter a number such as 1234.56"):
        assert message in page, message
    assert 'value="9 bad"' in page and 'value="1.234,56"' in page and 'value="two"' in page
    missing = client.post("/employees/new", data=_form(csrf_token=token,
                                                       company_id=str(company.id)))
    assert missing.status_code == 422
    assert "This field has no default: enter a value." in missing.get_data(as_text=True)
    ended = client.post("/employees/new", data=_form(
        csrf_token=token, company_id=str(company.id), custom_children="1",
        termination_date="2025-12-31"))
    assert "The termination date must be on or after the hire date." in ended.get_data(
        as_text=True)
    assert _codes(session) == []


def test_create_service_errors_next_to_fields(
        client: FlaskClient, users: Any, login: Callable[..., Any],
        csrf_token: Callable[..., str], factory: Factory, session: Session) -> None:
    company = _base(factory, session)
    factory.employee(company=company, code="E1")
    factory.currency(code="OLD", active=False)
    session.commit()
    _hr(client, login)
    response = client.post("/employees/new", data=_form(
        csrf_token=csrf_token(client, "/employees/new"), company_id=str(company.id),
        salary_currency="OLD"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'field-errors" id="code-errors">\s*<li>company ACME already has an '
                     r'employee E1</li>', page)
    assert "currency OLD is inactive" in page
    assert _codes(session) == ["E1"]


def test_edit(client: FlaskClient, users: Any, login: Callable[..., Any],
              csrf_token: Callable[..., str], factory: Factory, session: Session) -> None:
    company = _base(factory, session)
    factory.custom_field(code="children", label="Children", type=FieldType.NUMBER)
    employee = factory.employee(company=company, code="E1", first_name="Ana",
                                custom_values={"children": "3"})
    session.commit()
    _hr(client, login)
    url = f"/employees/{employee.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Ana"' in page and 'name="custom_children"' in page and 'value="3"' in page
    assert 'name="salary"' not in page  # salary changes go through the raise form
    token = csrf_token(client, url)
    data = _form(csrf_token=token, code="E1", hire_date="2025-01-01", custom_children="4",
                 first_name="Ana María")
    bad = client.post(url, data={**data, "last_name": ""})
    assert bad.status_code == 422 and "Enter the last name." in bad.get_data(as_text=True)
    late = client.post(url, data={**data, "hire_date": "2025-06-01"})
    assert late.status_code == 422
    assert "a salary change is effective before it, on 2025-01-01" in late.get_data(as_text=True)
    session.expire_all()
    assert session.get(Employee, employee.id).first_name == "Ana"  # type: ignore[union-attr]
    good = client.post(url, data=data)
    assert good.status_code == 302
    session.expire_all()
    saved = session.get(Employee, employee.id)
    assert saved is not None and saved.first_name == "Ana María"
    assert saved.custom_values == {"children": "4"} and saved.company_id == company.id
    assert client.get("/employees/999999/edit").status_code == 404


# -- detail and raises ----------------------------------------------------------------------------


def test_detail_and_raise(client: FlaskClient, users: Any, login: Callable[..., Any],
                          csrf_token: Callable[..., str], factory: Factory,
                          session: Session) -> None:
    company = _base(factory, session)
    employee = factory.employee(company=company, code="E1", salary=Decimal("10000.00"),
                                salary_currency="USD", hire_date=date(2025, 1, 1))
    session.commit()
    _hr(client, login)
    url = f"/employees/{employee.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Salary history" in page and "$10,000.00" in page and "In force" in page
    token = csrf_token(client, url)
    bad = client.post(f"{url}/salary", data={"csrf_token": token, "effective_date": "2024-12-31",
                                             "salary": "12000", "currency": "USD"})
    assert bad.status_code == 422
    assert "before the hire date 2025-01-01" in bad.get_data(as_text=True)
    empty = client.post(f"{url}/salary", data={"csrf_token": token})
    assert empty.status_code == 422
    page = empty.get_data(as_text=True)
    assert "Enter the date the salary applies from." in page and "Enter the salary." in page
    same = client.post(f"{url}/salary", data={"csrf_token": token, "effective_date": "2025-01-01",
                                              "salary": "12000", "currency": "USD"})
    assert "there is already a salary change on 2025-01-01" in same.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(SalaryChange)) == 1
    good = client.post(f"{url}/salary", data={"csrf_token": token, "effective_date": "2099-01-01",
                                              "salary": "12500,75", "currency": "USD",
                                              "reason": "Annual raise"})
    assert good.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Salary change of E1 saved." in page
    assert "$12,500.75" in page and "Scheduled" in page and "Annual raise" in page
    assert client.get("/employees/999999").status_code == 404


def test_deactivate_and_activate(client: FlaskClient, users: Any, login: Callable[..., Any],
                                 csrf_token: Callable[..., str], factory: Factory,
                                 session: Session) -> None:
    employee = factory.employee(code="E1")
    session.commit()
    _hr(client, login)
    token = csrf_token(client, f"/employees/{employee.id}")
    page = client.post(f"/employees/{employee.id}/deactivate", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Employee E1 deactivated." in page
    page = client.post(f"/employees/{employee.id}/deactivate", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "E1 is already inactive" in page
    page = client.post(f"/employees/{employee.id}/activate", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Employee E1 activated." in page


def test_audit_role_reads_only(client: FlaskClient, users: Any, login: Callable[..., Any],
                               factory: Factory, session: Session) -> None:
    employee = factory.employee(code="E1")
    session.commit()
    _hr(client, login, "audit")
    page = client.get(f"/employees/{employee.id}").get_data(as_text=True)
    assert "Salary history" in page
    assert "Record a salary change" not in page and "Deactivate" not in page
    assert client.get("/employees/new").status_code == 403


# -- import and export ----------------------------------------------------------------------------


def _upload(client: FlaskClient, token: str, text: str, **extra: str) -> Any:
    return client.post("/employees/import", data={
        "csrf_token": token, "file": (io.BytesIO(text.encode()), "people.csv"), **extra},
        content_type="multipart/form-data")


def test_import(client: FlaskClient, users: Any, login: Callable[..., Any],
                csrf_token: Callable[..., str], factory: Factory, session: Session) -> None:
    _base(factory, session)
    _hr(client, login)
    token = csrf_token(client, "/employees/import")
    header = "code,first_name,last_name,hire_date,salary,salary_currency\n"
    bad = _upload(client, token, header + "E1,Ana,López,2026-01-01,1000,USD\n"
                                          "E2,Luis,,2026-13-01,1.000,00,USD\n")
    assert bad.status_code == 422
    bad = _upload(client, token, header + "E1,Ana,López,2026-01-01,1000,USD\n"
                                          "E2,Luis,Pérez,2026-13-01,abc,EUR\n")
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "1 row(s) have problems; nothing was imported" in page
    assert "row 3: hire_date" in page and "is not a date (YYYY-MM-DD)" in page
    assert "row 3: salary" in page
    assert _codes(session) == []
    unknown = _upload(client, token, "code,shoe_size\nE1,42\n")
    assert "unknown column" in unknown.get_data(as_text=True)
    good = _upload(client, token, header + "E1,Ana,López,2026-01-01,1000,USD\n"
                                           "E2,Luis,Pérez,2026-02-01,1200.50,USD\n",
                   company="ACME")
    assert good.status_code == 302
    assert "Import done: 2 rows, 2 created, 0 updated, 0 unchanged." in client.get(
        good.headers["Location"]).get_data(as_text=True)
    assert _codes(session) == ["E1", "E2"]
    again = _upload(client, token, header + "E1,Ana,López,2026-01-01,1000,USD\n")
    assert "already exists in company ACME" in again.get_data(as_text=True)
    update = _upload(client, token, "code,position\nE1,Cashier\n", update="y")
    assert update.status_code == 302
    session.expire_all()
    assert session.scalar(sa.select(Employee.position).where(Employee.code == "E1")) == "Cashier"


def test_export(client: FlaskClient, users: Any, login: Callable[..., Any], factory: Factory,
                session: Session) -> None:
    company = _base(factory, session)
    factory.employee(company=company, code="E1", first_name="Ana", salary_currency="USD")
    session.commit()
    _hr(client, login, "audit")
    response = client.get("/employees/export?format=csv&company=ACME")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = read_sheet_bytes(response.data, "csv")
    assert sheet.rows[0].values["code"] == "E1"
    assert sheet.rows[0].values["salary"] == "10000.00"
    xlsx = client.get("/employees/export?format=xlsx")
    assert read_sheet_bytes(xlsx.data, "xlsx").rows[0].values["first_name"] == "Ana"
    assert client.get("/employees/export?company=NOPE").status_code == 404


def test_spanish(client: FlaskClient, users: Any, login: Callable[..., Any],
                 csrf_token: Callable[..., str], factory: Factory, session: Session) -> None:
    company = _base(factory, session)
    employee = factory.employee(company=company, code="E1", salary=Decimal("15000.50"),
                                salary_currency="USD", hire_date=date(2026, 1, 5))
    session.commit()
    _hr(client, login)
    client.post("/auth/language", data={"csrf_token": csrf_token(client, "/employees/"),
                                        "language": "es"})
    page = client.get("/employees/").get_data(as_text=True)
    assert "Buscar" in page and "Fecha de ingreso" in page and "5 ene 2026" in page
    page = client.get(f"/employees/{employee.id}").get_data(as_text=True)
    assert "Historial de salarios" in page and "15.000,50" in page
    token = csrf_token(client, f"/employees/{employee.id}")
    bad = client.post(f"/employees/{employee.id}/salary", data={
        "csrf_token": token, "effective_date": "2025-01-01", "salary": "1", "currency": "USD"})
    assert "anterior a la fecha de ingreso 2026-01-05" in bad.get_data(as_text=True)
