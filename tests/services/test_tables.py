"""Rate table services: validated rows, effective-dated versions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.formula.tables import TableKind
from coati_payroll.db.models import AuditEntry, RateTable, RateTableRow
from coati_payroll.services import tables as svc
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState

ACTOR = Actor("tester")
JAN = date(2026, 1, 1)
BRACKETS = [svc.TableRowData(D(0), D(100000)),
            svc.TableRowData(D(100000), D(200000), D("0.15")),
            svc.TableRowData(D(200000), None, D("0.20"), D(15000))]


def count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def refused(session: Session, call, *args) -> dict[str, str]:
    models = (RateTable, RateTableRow, AuditEntry)
    before = [count(session, m) for m in models]
    with pytest.raises(InvalidInput) as caught:
        call(session, ACTOR, *args)
    assert not session.new
    assert [count(session, m) for m in models] == before
    return caught.value.problems


def tdata(rows=BRACKETS, **kw) -> svc.TableData:
    values = {"code": "INCOME_TAX", "name": "Income tax", "kind": "progressive",
              "effective_from": JAN, "rows": rows}
    return svc.TableData(**(values | kw))


def test_create_and_read_back(session):
    table = svc.create_table_version(session, ACTOR, tdata())
    session.expire_all()
    stored = session.get(RateTable, table.id)
    assert [(r.position, r.lower, r.upper, r.rate, r.fixed) for r in stored.rows] == [
        (0, D(0), D(100000), D(0), D(0)), (1, D(100000), D(200000), D("0.15"), D(0)),
        (2, D(200000), None, D("0.20"), D(15000))]
    core = svc.to_core_table(stored)
    assert core.amount(D(250000))[0] == D(25000)
    entry = session.scalars(sa.select(AuditEntry)).one()
    assert entry.action == "table.create_version" and len(entry.after["rows"]) == 3


def test_versions_by_date(session):
    first = svc.create_table_version(session, ACTOR, tdata())
    second = svc.create_table_version(session, ACTOR, tdata(
        effective_from=date(2027, 1, 1), kind=TableKind.FLAT,
        rows=[svc.TableRowData(D(0), None, D("0.1"))]))
    assert svc.table_in_force(session, "INCOME_TAX", date(2026, 12, 31)) is first
    assert svc.table_in_force(session, "INCOME_TAX", date(2027, 1, 1)) is second
    assert svc.table_in_force(session, "INCOME_TAX", date(2025, 1, 1)) is None
    assert svc.list_table_versions(session, "INCOME_TAX") == [first, second]
    assert refused(session, svc.create_table_version, tdata()) == {
        "effective_from": "table INCOME_TAX already has a version from 2026-01-01"}


def test_update_version_replaces_rows(session):
    table = svc.create_table_version(session, ACTOR, tdata())
    svc.update_table_version(session, ACTOR, table, tdata(
        name="Tax", rows=[svc.TableRowData(D(0), None, D("0.1"))], upper_inclusive=False))
    assert (table.name, table.upper_inclusive, len(table.rows)) == ("Tax", False, 1)
    assert count(session, RateTableRow) == 1
    assert refused(session, svc.update_table_version, table, tdata(
        effective_from=date(2026, 2, 1))) == {
        "code": "code and effective date of a version cannot change"}


@pytest.mark.parametrize(("rows", "problems"), [
    ([], {"rows": "a table needs at least one row"}),
    ([svc.TableRowData(D(0), D(100)), svc.TableRowData(D(150), None)],
     {"row 2": "row 2: lower 150 must equal the previous row's upper 100 (rows must be "
               "contiguous; found a gap)"}),
    ([svc.TableRowData(D(0), None), svc.TableRowData(D(10), None)],
     {"row 2": "row 2: only the last row may be open-ended"}),
    ([svc.TableRowData(D(100), D(50))],
     {"row 1": "row 1: upper 50 must be above lower 100"}),
    ([svc.TableRowData(D("0.0000001"), None, 0.15, D("1e30"))],
     {"row 1: lower": "1E-7 has more than 6 decimal places (Money stores exactly 6)",
      "row 1: rate": "0.15 is not an exact decimal",
      "row 1: fixed": "1E+30 is too large for Money "
                      "(at most 18 integer digits)"}),
])
def test_bad_rows(session, rows, problems):
    assert refused(session, svc.create_table_version, tdata(rows=rows)) == problems


def test_bad_header(session):
    assert refused(session, svc.create_table_version, tdata(code="1 tax", name="",
                                                            kind="stepped")) == {
        "code": "1-40 letters, digits or _, starting with a letter",
        "name": "1-200 characters", "kind": "one of progressive, flat"}


def test_delete_only_future_versions(session):
    past = svc.create_table_version(session, ACTOR, tdata())
    with pytest.raises(InvalidState, match="add a newer version"):
        svc.delete_table_version(session, ACTOR, past)
    future = svc.create_table_version(session, ACTOR, tdata(
        effective_from=date.today() + timedelta(days=30)))
    svc.delete_table_version(session, ACTOR, future)
    assert svc.list_table_versions(session) == [past]
    assert count(session, RateTableRow) == 3
