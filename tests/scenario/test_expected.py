"""Comparing payslips with expected blocks, and the exact wording of mismatches."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import MappingProxyType

from coati_payroll.core.model import ConceptKind
from coati_payroll.core.results import (
    EmployeeFailure,
    Line,
    Notice,
    Payslip,
    PayslipStatus,
    Trace,
)
from coati_payroll.scenario.expected import (
    Expectation,
    FailureExpectation,
    NoticeExpectation,
    compare,
)

D = Decimal
ZERO = D("0.00")


def line(code: str, amount: str, kind: ConceptKind = ConceptKind.DEDUCTION,
         loan_id: str | None = None) -> Line:
    return Line(code, code, kind, D(amount), Trace("x"), loan_id)


PAYSLIP = Payslip(
    "E1", PayslipStatus.OK,
    lines=(line("BASE", "1000.00", ConceptKind.EARNING), line("SS", "70.00"),
           line("LOAN", "10.00", loan_id="A"), line("LOAN", "5.00", loan_id="B")),
    gross=D("1000.00"), total_deductions=D("85.00"), net=D("915.00"),
    employer_contributions=D("0.00"), employer_cost=D("1000.00"),
    notices=(Notice("deduction_cut", MappingProxyType(
        {"concept": "LOAN", "applied": D("5.00"), "loan_id": "B"})),
             Notice("excluded_not_hired", MappingProxyType({"hire_date": date(2026, 2, 1)}))),
    ytd_after=MappingProxyType({"GROSS_YTD": D("3000.00")}),
    loan_balances=MappingProxyType({"A": D("90.00"), "B": D("0.00")}),
)

FAILED = Payslip("E2", PayslipStatus.ERROR, failure=EmployeeFailure(
    "missing_exchange_rate", "no exchange rate for EUR", None))


def messages(expectation: Expectation, payslip: Payslip = PAYSLIP) -> list[str]:
    return [str(m) for m in compare(expectation, payslip, ZERO)]


def test_everything_matching_gives_no_mismatch() -> None:
    expectation = Expectation(
        "E1", 1, PayslipStatus.OK,
        lines={"BASE": D("1000"), "SS": D("70.00"), "LOAN": D("15"), "TAX": D("0")},
        exact_lines=True,
        totals={"gross": D("1000"), "net": D("915.00"), "employer_cost": D("1000.00")},
        ytd_after={"GROSS_YTD": D("3000")}, loan_balances={"A": D("90"), "B": D("0")},
        notices=(NoticeExpectation("deduction_cut", {"applied": "5", "loan_id": "B"}),
                 NoticeExpectation("excluded_not_hired", {"hire_date": "2026-02-01"})))
    assert messages(expectation) == []


def test_line_mismatch_wording() -> None:
    expectation = Expectation("E1", 1, lines={"SS": D("69.99"), "TAX": D("12.50")})
    assert messages(expectation) == [
        "MISMATCH employee E1 line SS: expected 69.99, got 70.00",
        "MISMATCH employee E1 line TAX: expected 12.50, got 0.00",
    ]


def test_exact_lines_reports_unlisted_lines() -> None:
    expectation = Expectation("E1", 1, lines={"BASE": D("1000")}, exact_lines=True)
    assert messages(expectation) == [
        "MISMATCH employee E1 line SS: expected no line, got 70.00",
        "MISMATCH employee E1 line LOAN: expected no line, got 15.00",
    ]


def test_totals_ytd_and_loan_balance_mismatches() -> None:
    expectation = Expectation(
        "E1", 1, totals={"net": D("900"), "total_deductions": D("85")},
        ytd_after={"GROSS_YTD": D("1"), "NET_YTD": D("2")}, loan_balances={"A": D("100")})
    assert messages(expectation) == [
        "MISMATCH employee E1 net: expected 900, got 915.00",
        "MISMATCH employee E1 ytd_after GROSS_YTD: expected 1, got 3000.00",
        "MISMATCH employee E1 ytd_after NET_YTD: expected 2, got nothing",
        "MISMATCH employee E1 loan_balance A: expected 100, got 90.00",
    ]


def test_missing_notice_and_notice_params() -> None:
    expectation = Expectation("E1", 1, notices=(
        NoticeExpectation("capped"), NoticeExpectation("deduction_cut", {"applied": "6"})))
    found = messages(expectation)
    assert len(found) == 2
    assert found[0] == ("MISMATCH employee E1 notice capped: expected capped present, "
                        "got notices: deduction_cut, excluded_not_hired")
    assert found[1].startswith("MISMATCH employee E1 notice deduction_cut: expected "
                               "deduction_cut {'applied': '6'} present")


def test_status_mismatch_shows_the_failure() -> None:
    expectation = Expectation("E2", 1, PayslipStatus.OK)
    assert messages(expectation, FAILED) == [
        "MISMATCH employee E2 status: expected ok, got error "
        "(missing_exchange_rate: no exchange rate for EUR)",
    ]


def test_expected_failure() -> None:
    assert messages(Expectation("E2", 1, failure=FailureExpectation(
        "missing_exchange_rate")), FAILED) == []
    assert messages(Expectation("E2", 1, failure=FailureExpectation("negative_amount")),
                    FAILED) == [
        "MISMATCH employee E2 failure: expected negative_amount, got missing_exchange_rate: "
        "no exchange rate for EUR"]
    assert messages(Expectation("E1", 1, failure=FailureExpectation("negative_amount"))) == [
        "MISMATCH employee E1 status: expected error, got ok",
        "MISMATCH employee E1 failure: expected negative_amount, got none"]
    assert messages(Expectation("E2", 1, failure=FailureExpectation(
        "missing_exchange_rate", concept="SS")), FAILED) == [
        "MISMATCH employee E2 failure concept: expected SS, got None"]


def test_an_unexpected_failure_is_reported_even_without_status() -> None:
    assert messages(Expectation("E2", 1, totals={"net": D("0")}), FAILED) == [
        "MISMATCH employee E2 failure: expected none, got missing_exchange_rate: "
        "no exchange rate for EUR"]
