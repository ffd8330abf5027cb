"""Base salary: conversion rules, both proration bases, absences, pay bases."""

from __future__ import annotations

from datetime import date

import pytest
from core_builders import D, make_employee, make_setup

from coati_payroll.core.engine import compile_payroll
from coati_payroll.core.model import (
    PayBasis,
    PayPeriod,
    PayrollType,
    Periodicity,
    ProrationBasis,
    SalaryConversion,
)

CAL = ProrationBasis.CALENDAR_DAYS
COM = ProrationBasis.COMMERCIAL_30


def base(employee, period, payroll_type, inputs=()):
    setup = make_setup([], period=period, payroll_type=payroll_type, inputs=inputs)
    payslip = compile_payroll(setup).compute(employee)
    assert payslip.failure is None
    return payslip.line("BASE"), payslip


@pytest.mark.parametrize(("periodicity", "conversion", "period", "expected"), [
    (Periodicity.MONTHLY, None, (date(2026, 2, 1), date(2026, 2, 28)), "3000.00"),
    (Periodicity.SEMI_MONTHLY, None, (date(2026, 2, 16), date(2026, 2, 28)), "1500.00"),
    (Periodicity.BIWEEKLY, None, (date(2026, 1, 5), date(2026, 1, 18)), "1384.62"),
    (Periodicity.BIWEEKLY, SalaryConversion.DIVISOR, (date(2026, 1, 5), date(2026, 1, 18)),
     "1500.00"),
    (Periodicity.WEEKLY, None, (date(2026, 1, 5), date(2026, 1, 11)), "692.31"),
    (Periodicity.DAILY, None, (date(2026, 1, 5), date(2026, 1, 5)), "100.00"),
])
def test_conversion_rules(periodicity, conversion, period, expected):
    payroll_type = PayrollType(periodicity, conversion=conversion)
    amount, _ = base(make_employee(3000), PayPeriod(*period), payroll_type)
    assert amount == D(expected)


@pytest.mark.parametrize(("basis", "hire", "expected"), [
    (CAL, date(2026, 1, 15), "1645.16"),  # 3000 × 17/31
    (COM, date(2026, 1, 15), "1600.00"),  # 3000 × 16/30
    (COM, date(2026, 1, 31), "100.00"),  # the 31st counts as day 30: 1 day
    (CAL, date(2026, 1, 1), "3000.00"),
])
def test_hire_proration(basis, hire, expected):
    period = PayPeriod(date(2026, 1, 1), date(2026, 1, 31))
    amount, payslip = base(make_employee(3000, hire_date=hire), period,
                           PayrollType(proration=basis))
    assert amount == D(expected)
    assert ("prorated" in {n.code for n in payslip.notices}) == (hire.day != 1)


def test_commercial_february_termination_on_28th_is_a_full_month():
    period = PayPeriod(date(2026, 2, 1), date(2026, 2, 28))
    amount, _ = base(make_employee(3000, termination_date=date(2026, 2, 28)), period,
                     PayrollType(proration=COM))
    assert amount == D("3000.00")


def test_absence_days_and_hours():
    period = PayPeriod(date(2026, 2, 1), date(2026, 2, 28))
    payroll_type = PayrollType(proration=CAL, absence_days_input="ABS",
                               absence_hours_input="ABS_H")
    employee = make_employee(2800, inputs={"ABS": D(2), "ABS_H": D(4)})
    amount, _ = base(employee, period, payroll_type)
    # 2800 × 26/28 = 2600; hourly = 2800/30/8 = 11.666…; 4 h = 46.666… → 2553.33
    assert amount == D("2553.33")


def test_hourly_and_daily_pay():
    period = PayPeriod(date(2026, 1, 5), date(2026, 1, 11))
    payroll_type = PayrollType(Periodicity.WEEKLY, hours_worked_input="HOURS")
    amount, _ = base(make_employee("12.50", pay_basis=PayBasis.HOURLY,
                                   inputs={"HOURS": D("37.5")}), period, payroll_type)
    assert amount == D("468.75")
    amount, payslip = base(make_employee("12.50", pay_basis=PayBasis.HOURLY), period,
                           payroll_type)
    assert amount == 0 and payslip.notices[0].code == "no_hours_worked"
    amount, _ = base(make_employee("80", pay_basis=PayBasis.DAILY), period,
                     PayrollType(Periodicity.WEEKLY))
    assert amount == D("560.00")
