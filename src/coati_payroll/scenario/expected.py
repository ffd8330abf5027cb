"""``expected`` blocks: what a scenario says a payslip must be, and the comparison.

Every check is optional; only what the block names is compared. Amounts compare as numbers
(``"500"`` equals ``500.00``). A line code that is absent from the payslip counts as 0; several
lines with one code (loans) are summed. ``exact_lines: true`` also requires that no other line
has a non-zero amount. Notices are checked for presence (and, when given, their params).
When ``failure`` is given the status must be ``error``; when neither ``status`` nor ``failure``
is given, a payslip that failed is still reported (``failure: expected none``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from coati_payroll.core.money import to_decimal
from coati_payroll.core.results import Notice, Payslip, PayslipStatus
from coati_payroll.scenario import schema
from coati_payroll.scenario.schema import At
from coati_payroll.scenario.yaml_source import MapNode

#: The payslip totals an expectation may name, in the order they are compared.
TOTAL_FIELDS = ("gross", "total_deductions", "net", "employer_contributions", "employer_cost")

EXPECTED_KEYS = ("status", "lines", "exact_lines", *TOTAL_FIELDS, "ytd_after", "loan_balances",
                 "notices", "failure")


@dataclass(frozen=True, slots=True)
class NoticeExpectation:
    """A notice that must be present; ``params`` (text) must match those given."""

    code: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FailureExpectation:
    code: str
    concept: str | None = None


@dataclass(frozen=True, slots=True)
class Expectation:
    employee_id: str
    line: int
    status: PayslipStatus | None = None
    lines: Mapping[str, Decimal] = field(default_factory=dict)
    exact_lines: bool = False
    totals: Mapping[str, Decimal] = field(default_factory=dict)
    ytd_after: Mapping[str, Decimal] = field(default_factory=dict)
    loan_balances: Mapping[str, Decimal] = field(default_factory=dict)
    notices: tuple[NoticeExpectation, ...] = ()
    failure: FailureExpectation | None = None


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One difference between an expectation and a payslip."""

    employee_id: str
    subject: str  #: ``line SS``, ``gross``, ``ytd_after GROSS_YTD``, ``loan_balance L1``, …
    expected: str
    got: str

    def __str__(self) -> str:
        return (f"MISMATCH employee {self.employee_id} {self.subject}: "
                f"expected {self.expected}, got {self.got}")


def parse_expectation(at: At, employee_id: str, *, line_codes: set[str],
                      accumulators: set[str], loan_ids: set[str]) -> Expectation:
    """Read an employee's ``expected`` block; unknown codes are mistakes (typos hide checks)."""
    keys = schema.mapping(at, optional=EXPECTED_KEYS)
    status = schema.choice(keys["status"], PayslipStatus) if "status" in keys else None
    lines = _amounts(keys.get("lines"), line_codes, "concept code (or BASE)")
    exact = schema.boolean(keys["exact_lines"]) if "exact_lines" in keys else False
    totals = {name: schema.amount(keys[name]) for name in TOTAL_FIELDS if name in keys}
    ytd = _amounts(keys.get("ytd_after"), accumulators, "accumulator")
    loans = _amounts(keys.get("loan_balances"), loan_ids, "loan id of this employee")
    notices = tuple(_notice(item) for item in schema.sequence(keys["notices"])) \
        if "notices" in keys else ()
    failure = _failure(keys["failure"]) if "failure" in keys else None
    if failure is not None and status not in (None, PayslipStatus.ERROR):
        keys["failure"].fail("a failure is expected, so status must be error")
    return Expectation(employee_id, at.line, status, lines, exact, totals, ytd, loans, notices,
                       failure)


def _amounts(at: At | None, known: set[str], what: str) -> dict[str, Decimal]:
    if at is None:
        return {}
    result: dict[str, Decimal] = {}
    for key, value in schema.entries(at):
        if key not in known:
            value.fail(f"{key!r} is not a {what}; known: {', '.join(sorted(known)) or 'none'}")
        result[key] = schema.amount(value)
    return result


def _notice(at: At) -> NoticeExpectation:
    if not isinstance(at.node, MapNode):
        return NoticeExpectation(schema.text(at))
    keys = schema.mapping(at, required=("code",), optional=("params",))
    params = {key: schema.text(value) for key, value in schema.entries(keys["params"])} \
        if "params" in keys else {}
    return NoticeExpectation(schema.text(keys["code"]), params)


def _failure(at: At) -> FailureExpectation:
    if not isinstance(at.node, MapNode):
        return FailureExpectation(schema.text(at))
    keys = schema.mapping(at, required=("code",), optional=("concept",))
    concept = schema.text(keys["concept"]) if "concept" in keys else None
    return FailureExpectation(schema.text(keys["code"]), concept)


# -- comparison -------------------------------------------------------------------------------

def compare(expectation: Expectation, payslip: Payslip, zero: Decimal) -> list[Mismatch]:
    """Every difference between ``expectation`` and ``payslip``.

    ``zero`` is 0 at the currency's minor unit (``0.00``), used to show absent lines.
    """
    out: list[Mismatch] = []
    who = expectation.employee_id

    def check(subject: str, expected: Decimal, got: Decimal | None) -> None:
        if got is None or got != expected:
            out.append(Mismatch(who, subject, str(expected),
                                "nothing" if got is None else str(got)))

    expected_status = expectation.status or (
        PayslipStatus.ERROR if expectation.failure is not None else None)
    if expected_status is not None and payslip.status is not expected_status:
        out.append(Mismatch(who, "status", expected_status.value, _status_text(payslip)))
    _check_failure(expectation, payslip, out)
    for code, expected in expectation.lines.items():
        got = payslip.line(code) if any(line.code == code for line in payslip.lines) else zero
        check(f"line {code}", expected, got)
    if expectation.exact_lines:
        for code in dict.fromkeys(line.code for line in payslip.lines):
            if code not in expectation.lines and payslip.line(code) != 0:
                out.append(Mismatch(who, f"line {code}", "no line", str(payslip.line(code))))
    for name, expected in expectation.totals.items():
        got_total = getattr(payslip, name)
        check(name, expected, got_total)
    for code, expected in expectation.ytd_after.items():
        check(f"ytd_after {code}", expected, payslip.ytd_after.get(code))
    for loan_id, expected in expectation.loan_balances.items():
        check(f"loan_balance {loan_id}", expected, payslip.loan_balances.get(loan_id))
    for wanted in expectation.notices:
        if not any(_notice_matches(wanted, notice) for notice in payslip.notices):
            present = ", ".join(notice.code for notice in payslip.notices) or "none"
            shown = wanted.code + (f" {dict(wanted.params)}" if wanted.params else "")
            out.append(Mismatch(who, f"notice {wanted.code}", f"{shown} present",
                                f"notices: {present}"))
    return out


def _status_text(payslip: Payslip) -> str:
    if payslip.failure is not None:
        return f"{payslip.status.value} ({payslip.failure.code}: {payslip.failure.message})"
    return payslip.status.value


def _check_failure(expectation: Expectation, payslip: Payslip, out: list[Mismatch]) -> None:
    who = expectation.employee_id
    wanted, actual = expectation.failure, payslip.failure
    if wanted is None:
        if actual is not None and expectation.status is None:
            out.append(Mismatch(who, "failure", "none", f"{actual.code}: {actual.message}"))
        return
    if actual is None:
        out.append(Mismatch(who, "failure", wanted.code, "none"))
        return
    if actual.code != wanted.code:
        out.append(Mismatch(who, "failure", wanted.code, f"{actual.code}: {actual.message}"))
    if wanted.concept is not None and actual.concept != wanted.concept:
        out.append(Mismatch(who, "failure concept", wanted.concept, str(actual.concept)))


def _notice_matches(wanted: NoticeExpectation, notice: Notice) -> bool:
    if notice.code != wanted.code:
        return False
    return all(key in notice.params and _same(value, notice.params[key])
               for key, value in wanted.params.items())


def _same(expected: str, actual: object) -> bool:
    if isinstance(actual, Decimal | int) and not isinstance(actual, bool):
        try:
            return to_decimal(expected) == actual
        except ValueError:
            return False
    if isinstance(actual, date):
        return actual.isoformat() == expected
    return str(actual) == expected
