"""Turning a scenario run into words: payslip tables, a JSON document, line explanations.

Amounts are shown exactly as computed; an amount written with fewer decimals than the
currency's minor unit is padded with zeros (``250`` → ``250.00``), which never changes its
value. Notices become English sentences here, from their code and params (the core carries no
text).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from coati_payroll.core.formula.tables import TableHit
from coati_payroll.core.results import Line, Notice, Payslip, PayslipStatus
from coati_payroll.scenario.run import ScenarioRun

TOTAL_LABELS = (("gross", "Gross"), ("total_deductions", "Deductions"), ("net", "Net"),
                ("employer_contributions", "Employer contributions"),
                ("employer_cost", "Employer cost"))


class AmountFormat:
    """Shows amounts with at least the minor unit's decimals (padding only, never rounding)."""

    def __init__(self, minor_unit: Decimal) -> None:
        self.exponent = int(minor_unit.normalize().as_tuple().exponent)
        self.exponent = min(self.exponent, 0)

    def __call__(self, amount: Decimal) -> str:
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and exponent > self.exponent:
            amount = amount.quantize(Decimal(1).scaleb(self.exponent))
        return str(amount)


def value_text(value: object) -> str:
    """A value read by a formula or carried by a notice, as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return "none"
    return str(value)


# -- notices ----------------------------------------------------------------------------------

def _who(params: Mapping[str, object]) -> str:
    concept = value_text(params.get("concept", "?"))
    loan = params.get("loan_id")
    return f"{concept} (loan {loan})" if loan else concept


def _prorated(p: Mapping[str, object]) -> str:
    text = (f"Base salary prorated: {value_text(p.get('paid_days'))} paid days of "
            f"{value_text(p.get('period_days'))} (worked {value_text(p.get('worked_days'))}, "
            f"absent {value_text(p.get('absence_days'))})")
    hours = p.get("absence_hours")
    if hours:
        text += f", less {value_text(hours)} unpaid hours"
    return text + "."


_SENTENCES: dict[str, Callable[[Mapping[str, object]], str]] = {
    "excluded_not_hired": lambda p: (
        f"Not paid this period: hired on {value_text(p.get('hire_date'))}, "
        "after the period ends."),
    "excluded_terminated": lambda p: (
        f"Not paid this period: terminated on {value_text(p.get('termination_date'))}, "
        "before the period starts."),
    "deduction_cut": lambda p: (
        f"{_who(p)}: {value_text(p.get('requested'))} was due but only "
        f"{value_text(p.get('applied'))} fitted in the net pay; "
        f"{value_text(p.get('shortfall'))} was not deducted."),
    "deduction_skipped": lambda p: (
        f"{_who(p)}: {value_text(p.get('requested'))} did not fit in the net pay and was "
        f"skipped; {value_text(p.get('shortfall'))} was not deducted."),
    "capped": lambda p: (
        f"{_who(p)}: {value_text(p.get('computed'))} was limited to the cap "
        f"{value_text(p.get('cap'))}."),
    "floored": lambda p: (
        f"{_who(p)}: {value_text(p.get('computed'))} was raised to the floor "
        f"{value_text(p.get('floor'))}."),
    "prorated": _prorated,
    "no_hours_worked": lambda p: (
        f"No hours worked were given (input {value_text(p.get('input'))}); "
        "the base salary is 0."),
}


def notice_sentence(notice: Notice) -> str:
    """An English sentence for ``notice`` (unknown codes show their code and params)."""
    sentence = _SENTENCES.get(notice.code)
    if sentence is not None:
        return sentence(notice.params)
    params = ", ".join(f"{key}={value_text(value)}" for key, value in notice.params.items())
    return f"{notice.code}" + (f" ({params})" if params else "")


def failure_sentence(payslip: Payslip) -> str:
    failure = payslip.failure
    if failure is None:
        return "FAILED"
    where = f" while computing {failure.concept}" if failure.concept else ""
    return f"FAILED [{failure.code}]{where}: {failure.message}"


# -- text -------------------------------------------------------------------------------------

def _table_rows(lines: tuple[Line, ...], totals: Mapping[str, Decimal],
                fmt: AmountFormat) -> list[str]:
    """Lines as CODE/NAME/KIND/AMOUNT columns, then the totals with amounts under AMOUNT."""
    rows = [(line.code + (f" ({line.loan_id})" if line.loan_id else ""), line.name,
             line.kind.value, fmt(line.amount)) for line in lines]
    header = ("CODE", "NAME", "KIND", "AMOUNT")
    shown_totals = [(label + ":", fmt(totals[name])) for name, label in TOTAL_LABELS]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    widths[3] = max(widths[3], *(len(amount) for _, amount in shown_totals))
    out = []
    for row in [header, *rows]:
        out.append(f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  "
                   f"{row[3]:>{widths[3]}}")
    width = len(out[0]) - 2
    label_width = max(len(label) for label, _ in shown_totals)
    out.append("  " + "-" * max(width, label_width + 2 + widths[3]))
    out.extend(f"  {label:<{label_width}}  {amount:>{max(width - label_width - 2, widths[3])}}"
               for label, amount in shown_totals)
    return out


def payslip_text(payslip: Payslip, name: str, fmt: AmountFormat) -> str:
    """One employee's payslip: lines, totals, notices, year-to-date and loan balances."""
    title = f"{payslip.employee_id}" + (f" — {name}" if name else "")
    out = [f"{title} [{payslip.status.value}]"]
    if payslip.status is PayslipStatus.ERROR:
        out.append(f"  {failure_sentence(payslip)}")
    if payslip.status is PayslipStatus.OK:
        out.extend(_table_rows(payslip.lines,
                               {n: getattr(payslip, n) for n, _ in TOTAL_LABELS}, fmt))
    for notice in payslip.notices:
        out.append(f"  * {notice_sentence(notice)}")
    if payslip.ytd_after:
        out.append("  YTD after: " + ", ".join(
            f"{code} {fmt(value)}" for code, value in payslip.ytd_after.items()))
    if payslip.loan_balances:
        out.append("  Loan balances after: " + ", ".join(
            f"{loan} {fmt(value)}" for loan, value in payslip.loan_balances.items()))
    return "\n".join(out)


def _totals_rows(values: Mapping[str, Decimal], fmt: AmountFormat, indent: str) -> list[str]:
    shown = [(label + ":", fmt(values[name])) for name, label in TOTAL_LABELS]
    label_width = max(len(label) for label, _ in shown)
    width = max(len(amount) for _, amount in shown)
    return [f"{indent}{label:<{label_width}}  {amount:>{width}}" for label, amount in shown]


def run_text(run: ScenarioRun) -> str:
    """The whole run as readable text: a header, one block per employee, the totals."""
    scenario = run.scenario
    setup = scenario.setup
    fmt = AmountFormat(setup.currency.rounding.minor_unit)
    period = setup.period
    payment = f", paid {period.payment_date}" if period.payment_date else ""
    blocks = [f"{scenario.name}\nCurrency {setup.currency.code}; period {period.start} to "
              f"{period.end}{payment}"]
    names = {employee.id: employee.name for employee in scenario.employees}
    for payslip in run.result.payslips:
        blocks.append(payslip_text(payslip, names.get(payslip.employee_id, ""), fmt))
    totals = run.result.totals
    head = (f"Totals: {totals.employees} employees, {totals.computed} computed, "
            f"{totals.excluded} excluded, {totals.failed} failed")
    blocks.append("\n".join([head, *_totals_rows(
        {n: getattr(totals, n) for n, _ in TOTAL_LABELS}, fmt, "  ")]))
    return "\n\n".join(blocks) + "\n"


def _hit_text(hit: TableHit) -> str:
    upper = "no limit" if hit.upper is None else str(hit.upper)
    return (f"{hit.table} row {hit.row} ({hit.lower} to {upper}): rate {hit.rate}, "
            f"fixed {hit.fixed}; input {hit.input} → {hit.result}")


def explanation_text(run: ScenarioRun, employee_id: str) -> str:
    """Every line of one employee with its trace. Raises KeyError for an unknown id."""
    payslip = next((p for p in run.result.payslips if p.employee_id == employee_id), None)
    if payslip is None:
        raise KeyError(employee_id)
    setup = run.scenario.setup
    fmt = AmountFormat(setup.currency.rounding.minor_unit)
    name = next((e.name for e in run.scenario.employees if e.id == employee_id), "")
    out = [f"Explanation for {employee_id}" + (f" — {name}" if name else "")
           + f" [{payslip.status.value}]"]
    if payslip.status is PayslipStatus.ERROR:
        out.append(f"  {failure_sentence(payslip)}")
    for line in payslip.lines:
        trace = line.trace
        loan = f" loan {line.loan_id}" if line.loan_id else ""
        out.append("")
        out.append(f"{line.code}{loan} — {line.name} ({line.kind.value}): {fmt(line.amount)}")
        out.append(f"  formula:   {trace.formula}")
        for index, (value_name, value) in enumerate(trace.values):
            label = "values:" if index == 0 else ""
            out.append(f"  {label:<10} {value_name} = {value_text(value)}")
        for index, hit in enumerate(trace.table_rows):
            label = "table:" if index == 0 else ""
            out.append(f"  {label:<10} {_hit_text(hit)}")
        if trace.unrounded is not None:
            out.append(f"  unrounded: {trace.unrounded}")
        if trace.note:
            out.append(f"  note:      {trace.note}")
    if payslip.notices:
        out.append("")
        out.extend(f"* {notice_sentence(notice)}" for notice in payslip.notices)
    return "\n".join(out) + "\n"


# -- JSON -------------------------------------------------------------------------------------

def json_value(value: object) -> Any:
    """A JSON-safe value: Decimal → string, date → ISO string, containers recursively."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, tuple | list | set | frozenset):
        return [json_value(item) for item in value]
    return str(value)


def _trace_json(line: Line) -> dict[str, Any]:
    trace = line.trace
    return {
        "formula": trace.formula,
        "values": [{"name": name, "value": json_value(value)} for name, value in trace.values],
        "table_rows": [{"table": h.table, "row": h.row, "lower": str(h.lower),
                        "upper": json_value(h.upper), "rate": str(h.rate),
                        "fixed": str(h.fixed), "input": str(h.input), "result": str(h.result)}
                       for h in trace.table_rows],
        "unrounded": json_value(trace.unrounded),
        "note": trace.note,
    }


def payslip_json(payslip: Payslip, name: str, fmt: AmountFormat,
                 with_traces: bool = False) -> dict[str, Any]:
    lines = []
    for line in payslip.lines:
        item: dict[str, Any] = {"code": line.code, "name": line.name, "kind": line.kind.value,
                                "amount": fmt(line.amount), "loan_id": line.loan_id}
        if with_traces:
            item["trace"] = _trace_json(line)
        lines.append(item)
    failure = payslip.failure
    return {
        "id": payslip.employee_id,
        "name": name,
        "status": payslip.status.value,
        "lines": lines,
        **{field: fmt(getattr(payslip, field)) for field, _ in TOTAL_LABELS},
        "notices": [{"code": n.code, "params": json_value(n.params),
                     "text": notice_sentence(n)} for n in payslip.notices],
        "ytd_after": {code: fmt(value) for code, value in payslip.ytd_after.items()},
        "loan_balances": {loan: fmt(value) for loan, value in payslip.loan_balances.items()},
        "failure": None if failure is None else {
            "code": failure.code, "message": failure.message, "concept": failure.concept,
            "params": json_value(failure.params)},
    }


def run_json(run: ScenarioRun, explain: str | None = None) -> dict[str, Any]:
    """The run as one JSON-ready document (amounts are strings; dates ISO)."""
    scenario = run.scenario
    setup = scenario.setup
    fmt = AmountFormat(setup.currency.rounding.minor_unit)
    names = {employee.id: employee.name for employee in scenario.employees}
    totals = run.result.totals
    return {
        "scenario": scenario.name,
        "currency": setup.currency.code,
        "period": {"start": setup.period.start.isoformat(), "end": setup.period.end.isoformat(),
                   "payment_date": json_value(setup.period.payment_date)},
        "employees": [payslip_json(p, names.get(p.employee_id, ""), fmt,
                                   with_traces=p.employee_id == explain)
                      for p in run.result.payslips],
        "totals": {
            "employees": totals.employees, "computed": totals.computed,
            "excluded": totals.excluded, "failed": totals.failed,
            **{field: fmt(getattr(totals, field)) for field, _ in TOTAL_LABELS},
        },
        "mismatches": [{"employee": m.employee_id, "subject": m.subject,
                        "expected": m.expected, "got": m.got, "message": str(m)}
                       for m in run.mismatches],
    }
