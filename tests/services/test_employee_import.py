"""Employee import/export: row-level errors, all-or-nothing, upsert, CSV and XLSX."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from coati_payroll.core.model import FieldType
from coati_payroll.db import models as m
from coati_payroll.services import employee_import as svc
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput
from coati_payroll.services.tabular import TabularError, read_sheet_bytes, write_xlsx

ACTOR = Actor.system("test")
HEADER = "code,first_name,last_name,hire_date,salary,salary_currency"


def csv(*lines: str) -> object:
    return read_sheet_bytes("\n".join(lines).encode(), "csv", "staff.csv")


@pytest.fixture
def company(factory):
    factory.currency(code="USD")
    return factory.company(code="ACME")


def employees(session) -> list[str]:
    return list(session.scalars(sa.select(m.Employee.code).order_by(m.Employee.code)))


def test_valid_rows_create_employees_with_salary_fields_and_payrolls(session, factory,
                                                                     company):
    factory.custom_field(code="DEPT", type=FieldType.TEXT, default_value="")
    factory.custom_field(code="KIDS", type=FieldType.NUMBER)
    definition = factory.definition(company=company, code="MONTHLY", currency_code="USD")
    sheet = csv(HEADER + ",custom.dept,custom.kids,payrolls,pay_basis",
                "E1,Ana,Soto,2026-01-15,1234.56,USD,Sales,2,MONTHLY,monthly",
                "E2,Luis,Paz,2025-03-01,800,USD,,0,,daily")
    summary = svc.import_employees(session, ACTOR, sheet)
    assert summary.as_dict() == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    e1 = session.scalar(sa.select(m.Employee).where(m.Employee.code == "E1"))
    assert e1.custom_values == {"DEPT": "Sales", "KIDS": "2"}
    assert [(c.salary, c.effective_date) for c in e1.salary_changes] == [
        (Decimal("1234.560000"), date(2026, 1, 15))]
    assert session.scalar(sa.select(m.DefinitionEmployee.employee_id).where(
        m.DefinitionEmployee.definition_id == definition.id)) == e1.id


def test_row_errors_name_row_column_and_value_and_nothing_is_written(session, company):
    sheet = csv(HEADER,
                "E1,Ana,Soto,2026-01-15,1000,USD",
                "E2,Luis,Paz,2026-13-01,\"1,5\",USD",
                "E1,Eva,Ruiz,2026-01-01,900,USD",
                "E3,,Paz,2026-01-01,-5,XXX",
                "E4,Rosa,Gil,2026-01-01,1.1234567,USD")
    with pytest.raises(InvalidInput) as caught:
        svc.import_employees(session, ACTOR, sheet)
    problems = caught.value.problems
    assert problems["row 3: hire_date"] == "'2026-13-01' is not a date (YYYY-MM-DD)"
    assert problems["row 3: salary"] == (
        "'1,5' is not an amount (use digits with '.' as the decimal separator and no "
        "thousands separator, e.g. 1234.56)")
    assert problems["row 4: code"] == "'E1' appears again (first on row 2)"
    assert problems["row 5: first_name"] == "required for a new employee"
    assert "row 6: salary" in problems and "decimal places" in problems["row 6: salary"]
    assert "nothing was imported" in caught.value.message
    session.rollback()
    assert employees(session) == []


def test_service_rules_are_reported_per_row(session, company):
    sheet = csv(HEADER + ",termination_date,email",
                "E1,Ana,Soto,2026-01-15,1000,XXX,,",
                "E2,Luis,Paz,2026-01-15,1000,USD,2025-01-01,not-an-email")
    with pytest.raises(InvalidInput) as caught:
        svc.import_employees(session, ACTOR, sheet)
    problems = caught.value.problems
    assert problems["row 2: salary_currency"] == "no currency XXX"
    assert problems["row 3: termination_date"] == "must be on or after the hire date"
    assert problems["row 3: email"] == "not an e-mail address"


def test_file_level_problems(session, company):
    with pytest.raises(TabularError) as caught:
        svc.import_employees(session, ACTOR, csv("code,first_name,colour,custom.nope",
                                                 "E1,Ana,red,1"))
    problems = caught.value.problems
    assert problems["column 'colour'"].startswith("unknown column (known columns: company")
    assert problems["column 'custom.nope'"] == "no active custom field 'nope' (custom fields: " \
                                               "none)"
    assert problems["column 'salary'"] == "required column is missing"
    with pytest.raises(TabularError, match="the file is empty"):
        csv("")
    with pytest.raises(TabularError, match="'code' appears twice"):
        csv("code,code", "a,b")


def test_company_is_required_when_ambiguous(session, factory, company):
    factory.company(code="OTHER")
    with pytest.raises(InvalidInput) as caught:
        svc.import_employees(session, ACTOR, csv(HEADER, "E1,Ana,Soto,2026-01-15,1000,USD"))
    assert caught.value.problems["row 2: company"].startswith("required")
    summary = svc.import_employees(session, ACTOR, csv(
        HEADER + ",company", "E1,Ana,Soto,2026-01-15,1000,USD,OTHER",
        "E2,Ana,Soto,2026-01-15,1000,USD,"), company="ACME")
    assert summary.created == 2
    with pytest.raises(InvalidInput, match="no company 'NOPE'"):
        svc.import_employees(session, ACTOR, csv(HEADER), company="NOPE")


def test_existing_codes_are_refused_without_update(session, factory, company):
    factory.employee(company=company, code="E1")
    with pytest.raises(InvalidInput) as caught:
        svc.import_employees(session, ACTOR, csv(HEADER, "E1,Ana,Soto,2026-01-15,1000,USD"))
    assert caught.value.problems["row 2: code"] == (
        "employee 'E1' already exists in company 'ACME' (use --update to update existing "
        "employees)")


def test_update_changes_fields_and_salary_with_an_effective_date(session, factory, company):
    employee = factory.employee(company=company, code="E1", salary_currency="USD",
                                salary=Decimal("1000"))
    with pytest.raises(InvalidInput) as caught:
        svc.import_employees(session, ACTOR, csv("code,salary", "E1,1100"), update=True)
    assert caught.value.problems["row 2: salary_effective_date"].startswith(
        "required to change the salary of an existing employee")
    summary = svc.import_employees(session, ACTOR, csv(
        "code,last_name,salary,salary_effective_date,active",
        "E1,Nuevo,1100,2026-02-01,false"), update=True)
    assert summary.updated == 1
    session.refresh(employee)
    assert employee.last_name == "Nuevo" and employee.first_name == "Ana"
    assert employee.active is False
    assert [c.salary for c in employee.salary_changes] == [Decimal("1000.000000"),
                                                           Decimal("1100.000000")]


def test_export_then_import_with_update_changes_nothing(session, factory, company):
    factory.custom_field(code="DEPT", type=FieldType.TEXT, default_value="")
    svc.import_employees(session, ACTOR, csv(
        HEADER + ",custom.DEPT", "E1,Ana,Soto,2026-01-15,1234.5,USD,Sales",
        "E2,Luis,Paz,2025-03-01,800.125,USD,"))
    columns = svc.export_columns(session)
    rows = list(svc.export_rows(session, columns, as_of=date(2026, 6, 1)))
    assert columns[-1] == "custom.DEPT"
    assert rows[0][:4] == ["ACME", "E1", "Ana", "Soto"]
    assert Decimal("1234.50") in rows[0] and Decimal("800.125") in rows[1]
    buffer = io.StringIO()
    from coati_payroll.services.tabular import write_csv

    write_csv(buffer, columns, rows)
    again = read_sheet_bytes(buffer.getvalue().encode(), "csv")
    summary = svc.import_employees(session, ACTOR, again, update=True)
    assert summary.as_dict() == {"rows": 2, "created": 0, "updated": 0, "unchanged": 2}


def test_xlsx_cells_numbers_and_dates_are_read(session, company):
    buffer = io.BytesIO()
    write_xlsx(buffer, HEADER.split(","), [
        ["E1", "Ana", "Soto", datetime(2026, 1, 15), 1234.56, "USD"],
        ["E2", "Luis", "Paz", date(2026, 2, 1), 800, "USD"],
        ["E3", "Eva", "Gil", "2026-02-30", "1,5", "USD"]])
    sheet = read_sheet_bytes(buffer.getvalue(), "xlsx", "staff.xlsx")
    assert sheet.rows[0].values["salary"] == "1234.56"
    assert sheet.rows[0].values["hire_date"] == "2026-01-15"
    with pytest.raises(InvalidInput) as caught:
        svc.import_employees(session, ACTOR, sheet)
    assert caught.value.problems == {
        "row 4: hire_date": "'2026-02-30' is not a date (YYYY-MM-DD)",
        "row 4: salary": "'1,5' is not an amount (use digits with '.' as the decimal "
                         "separator and no thousands separator, e.g. 1234.56)"}
    session.rollback()
    assert employees(session) == []
    with pytest.raises(TabularError, match="not an Excel .xlsx workbook"):
        read_sheet_bytes(b"not a zip", "xlsx", "x.xlsx")
