from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coati_payroll.core.calendar import count_days, fiscal_position
from coati_payroll.core.dates import complete_months, complete_years
from coati_payroll.core.errors import TableError
from coati_payroll.core.formula.tables import Table, TableKind, TableRangeError, TableRow
from coati_payroll.core.model import PayPeriod, PayrollType, Periodicity, ProrationBasis
from coati_payroll.core.money import RoundingPolicy, to_decimal

D = Decimal
COM = ProrationBasis.COMMERCIAL_30


@pytest.mark.parametrize(("first", "last", "calendar", "commercial"), [
    (date(2026, 1, 1), date(2026, 1, 31), 31, 30),
    (date(2026, 2, 1), date(2026, 2, 28), 28, 30),
    (date(2024, 2, 1), date(2024, 2, 29), 29, 30),
    (date(2026, 1, 16), date(2026, 1, 31), 16, 15),
    (date(2026, 1, 31), date(2026, 1, 31), 1, 1),
    (date(2026, 1, 1), date(2026, 12, 31), 365, 360),
    (date(2026, 1, 2), date(2026, 1, 1), 0, 0),
])
def test_count_days(first, last, calendar, commercial):
    assert count_days(first, last, ProrationBasis.CALENDAR_DAYS) == calendar
    assert count_days(first, last, COM) == commercial


def test_complete_years_and_months():
    assert complete_years(date(2020, 2, 29), date(2021, 2, 28)) == 1
    assert complete_years(date(2020, 3, 1), date(2026, 2, 28)) == 5
    assert complete_months(date(2026, 1, 31), date(2026, 2, 28)) == 1
    assert complete_months(date(2026, 1, 15), date(2026, 2, 14)) == 0
    assert complete_months(date(2026, 2, 14), date(2026, 1, 15)) == 0


@pytest.mark.parametrize(("periodicity", "start_month", "period", "expected"), [
    (Periodicity.MONTHLY, 1, (date(2026, 3, 1), date(2026, 3, 31)), (3, 10)),
    (Periodicity.MONTHLY, 7, (date(2026, 3, 1), date(2026, 3, 31)), (9, 4)),
    (Periodicity.SEMI_MONTHLY, 1, (date(2026, 2, 16), date(2026, 2, 28)), (4, 21)),
    (Periodicity.BIWEEKLY, 1, (date(2026, 1, 15), date(2026, 1, 28)), (2, 25)),
    (Periodicity.WEEKLY, 1, (date(2026, 12, 27), date(2026, 12, 31)), (52, 1)),
])
def test_fiscal_position(periodicity, start_month, period, expected):
    payroll_type = PayrollType(periodicity, fiscal_year_start_month=start_month)
    assert fiscal_position(PayPeriod(*period), payroll_type) == expected


@pytest.mark.parametrize(("policy", "amount", "expected"), [
    (RoundingPolicy(), "2.345", "2.35"),
    (RoundingPolicy(), "-2.345", "-2.35"),
    (RoundingPolicy(mode="HALF_EVEN"), "2.345", "2.34"),
    (RoundingPolicy(D("1")), "2.5", "3"),
    (RoundingPolicy(D("0.05")), "1.024", "1.00"),
    (RoundingPolicy(D("0.05")), "1.025", "1.05"),
    (RoundingPolicy(D("10")), "15", "20"),
])
def test_rounding_policy(policy, amount, expected):
    assert policy.round(D(amount)) == D(expected)
    assert policy.rounder()(D(amount)) == D(expected)


def test_rounding_policy_rejects_bad_mode_and_unit():
    with pytest.raises(ValueError):
        RoundingPolicy(mode="BANKERS")
    with pytest.raises(ValueError):
        RoundingPolicy(D(0))


def test_to_decimal_refuses_floats():
    with pytest.raises(TypeError):
        to_decimal(0.1)
    assert to_decimal("0.1") == D("0.1")
    with pytest.raises(ValueError):
        to_decimal("NaN")


def _table(*rows, kind=TableKind.PROGRESSIVE, upper_inclusive=True):
    return Table("T", kind, tuple(TableRow(*r) for r in rows), upper_inclusive)


def test_table_edges_upper_inclusive_and_exclusive():
    rows = ((D(0), D(100), D(0)), (D(100), None, D("0.1")))
    inclusive = _table(*rows)
    exclusive = _table(*rows, upper_inclusive=False)
    assert inclusive.find(D(100)) == 0 and exclusive.find(D(100)) == 1
    assert inclusive.find(D(0)) == 0
    assert inclusive.amount(D(150))[0] == D(5)
    flat = _table(*rows, kind=TableKind.FLAT)
    assert flat.amount(D(150))[0] == D(15)
    with pytest.raises(TableRangeError):
        inclusive.find(D(-1))


@pytest.mark.parametrize(("rows", "code"), [
    ((), "table_empty"),
    (((D(0), D(100)), (D(150), None)), "table_not_contiguous"),
    (((D(0), D(100)), (D(50), None)), "table_not_contiguous"),
    (((D(0), None), (D(100), None)), "table_open_row"),
    (((D(10), D(5)),), "table_row_order"),
])
def test_table_validation(rows, code):
    with pytest.raises(TableError) as caught:
        _table(*rows)
    assert caught.value.code == code
