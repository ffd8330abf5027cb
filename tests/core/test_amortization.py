"""Loan schedules: hand-computed examples and invariants for every interest method."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coati_payroll.core.amortization import (
    InterestMethod,
    ScheduleError,
    ScheduleRow,
    amortization_schedule,
    french_installment,
    total_due,
)
from coati_payroll.core.money import RoundingPolicy


def test_french_10000_at_12_percent_monthly_12():
    rows = amortization_schedule(D("10000.00"), 12, "french", D("0.12"))
    # P·r/(1−(1+r)^−n) = 100 / (1 − 1.01^−12) = 888.4878867… → 888.49
    assert [r.installment for r in rows[:11]] == [D("888.49")] * 11
    assert rows[0] == ScheduleRow(1, D("888.49"), D("100.00"), D("788.49"), D("9211.51"),
                                  D("9773.37"))
    # month 2: 9211.51 × 1% = 92.1151 → 92.12
    assert (rows[1].interest, rows[1].principal, rows[1].balance) == (
        D("92.12"), D("796.37"), D("8415.14"))
    assert rows[-1] == ScheduleRow(12, D("888.47"), D("8.80"), D("879.67"), D("0.00"),
                                   D("0.00"))
    assert total_due(rows) == D("10661.86")
    assert sum(r.principal for r in rows) == D("10000.00")


def test_french_installment_against_the_standard_formula():
    # 5000 at 6 %/year, 24 monthly: r = 0.005; 5000·0.005/(1−1.005^−24) = 221.6030…
    assert french_installment(D("5000"), D("0.005"), 24, RoundingPolicy()) == D("221.60")
    # 12000 at 24 %/year, 26 biweekly periods for a year: r = 0.24/26
    rows = amortization_schedule(D("12000.00"), 26, InterestMethod.FRENCH, D("0.24"),
                                 periods_per_year=26)
    assert rows[0].installment == D("521.25")  # 12000·r/(1−(1+r)^−26) = 521.2531…
    assert rows[0].interest == D("110.77")  # 12000 × 0.24 / 26 = 110.769…
    assert rows[-1].balance == 0


def test_french_with_zero_rate_is_none():
    assert amortization_schedule(D("100.00"), 3, "french") == amortization_schedule(
        D("100.00"), 3, "none")
    assert french_installment(D("100"), D(0), 3, RoundingPolicy()) == D("33.33")


def test_none_last_installment_absorbs_rounding():
    rows = amortization_schedule(D("100.00"), 3)
    assert [(r.installment, r.interest, r.balance) for r in rows] == [
        (D("33.33"), D("0.00"), D("66.67")), (D("33.33"), D("0.00"), D("33.34")),
        (D("33.34"), D("0.00"), D("0.00"))]
    assert [r.installment for r in amortization_schedule(D("200.00"), 3)] == [
        D("66.67"), D("66.67"), D("66.66")]
    assert amortization_schedule(D("500.00"), 1) == (
        ScheduleRow(1, D("500.00"), D("0.00"), D("500.00"), D("0.00"), D("0.00")),)


def test_flat_interest_spread_evenly():
    # 1000 × 10 % × 3/12 = 25.00 interest; (1000 + 25) / 3 = 341.666… → 341.67
    rows = amortization_schedule(D("1000.00"), 3, "flat", D("0.10"))
    assert [(r.installment, r.interest, r.principal, r.owed) for r in rows] == [
        (D("341.67"), D("8.33"), D("333.34"), D("683.33")),
        (D("341.67"), D("8.33"), D("333.34"), D("341.66")),
        (D("341.66"), D("8.34"), D("333.32"), D("0.00"))]
    # 12,000 at 12 %/year over 24 months: interest 2,880; installment 620
    rows = amortization_schedule(D("12000.00"), 24, "flat", D("0.12"))
    assert {r.installment for r in rows} == {D("620.00")}
    assert {r.interest for r in rows} == {D("120.00")} and total_due(rows) == D("14880.00")


def test_flat_with_zero_rate():
    rows = amortization_schedule(D("90.00"), 3, "flat")
    assert [(r.installment, r.interest) for r in rows] == [(D("30.00"), D("0.00"))] * 3


def test_other_minor_units():
    yen = RoundingPolicy(D("1"))
    rows = amortization_schedule(D("100000"), 12, "french", D("0.12"), rounding=yen)
    assert rows[0].installment == D("8885") and rows[-1].balance == 0
    assert all(yen.is_rounded(r.installment) and yen.is_rounded(r.interest) for r in rows)
    cash = RoundingPolicy(D("0.05"))
    rows = amortization_schedule(D("100.00"), 3, rounding=cash)
    assert [r.installment for r in rows] == [D("33.35"), D("33.35"), D("33.30")]


@pytest.mark.parametrize(("args", "message"), [
    ((D("0"), 3), "principal must be greater than 0"),
    ((D("-5"), 3), "principal must be greater than 0"),
    ((D("10.001"), 3), "not a multiple of the minor unit"),
    ((D("100"), 0), "installments must be 1 to 1200"),
    ((D("100"), 1201), "installments must be 1 to 1200"),
    ((D("100"), 3, "french", D("-0.01")), "annual rate must not be negative"),
    ((D("0.02"), 3), "too small to split into 3 installments"),
    ((D("0.02"), 3, "flat", D("0.01")), "too small"),
    ((D("0.05"), 10, "french", D("0.5")), "too small"),
])
def test_bad_terms(args, message):
    with pytest.raises(ScheduleError, match=message):
        amortization_schedule(*args)


def test_bad_method_and_periods():
    with pytest.raises(ValueError):
        amortization_schedule(D("100"), 3, "german")
    with pytest.raises(ScheduleError, match="periods per year"):
        amortization_schedule(D("100"), 3, periods_per_year=0)


@given(cents=st.integers(min_value=100, max_value=10**10),
       n=st.integers(min_value=1, max_value=120),
       rate_bp=st.integers(min_value=0, max_value=6000),
       method=st.sampled_from(list(InterestMethod)),
       periods=st.sampled_from([12, 24, 26, 52]))
def test_invariants(cents, n, rate_bp, method, periods):
    principal = D(cents) / 100
    rate = D(rate_bp) / 10000
    try:
        rows = amortization_schedule(principal, n, method, rate, periods_per_year=periods)
    except ScheduleError as error:
        assert "too small" in str(error)
        return
    assert len(rows) == n and [r.number for r in rows] == list(range(1, n + 1))
    assert sum(r.principal for r in rows) == principal
    assert rows[-1].balance == 0 and rows[-1].owed == 0
    assert all(r.principal > 0 and r.interest >= 0 for r in rows)
    assert all(r.installment == r.interest + r.principal for r in rows)
    assert len({r.installment for r in rows[:-1]}) <= 1
    assert all(r.installment.as_tuple().exponent >= -2 for r in rows)
    assert total_due(rows) == principal + sum(r.interest for r in rows)
    if method is InterestMethod.NONE or rate == 0:
        assert all(r.interest == 0 for r in rows)
