"""Words for what the calculation stores as codes: payslip statuses, notices (as sentences),
failure codes, and the labels of the payslip PDF — all in the request's language."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coati_payroll.services.payslip_pdf import PdfTexts
from coati_payroll.web.i18n import date_filter, money, number

__all__ = ["PAYSLIP_STATUS", "notice_text", "pdf_texts", "status_label"]

PAYSLIP_STATUS: dict[str, Any] = {
    "ok": _l("Computed"),
    "error": _l("Failed"),
    "excluded": _l("Excluded"),
}

_NOTICES: dict[str, Any] = {
    "deduction_cut": _l("%(concept)s: only %(applied)s of %(requested)s could be deducted "
                        "without making the net pay negative; %(shortfall)s was not deducted."),
    "deduction_skipped": _l("%(concept)s was not deducted: %(requested)s did not fit in the "
                            "net pay."),
    "prorated": _l("The base salary was prorated: %(paid_days)s of %(period_days)s days paid "
                   "(%(worked_days)s days worked, %(absence_days)s days of absence)."),
    "no_hours_worked": _l("No hours worked were entered (input %(input)s), so the base salary "
                          "is zero."),
    "excluded_not_hired": _l("Not in this payroll: hired on %(hire_date)s, after the period."),
    "excluded_terminated": _l("Not in this payroll: terminated on %(termination_date)s, before "
                              "the period."),
}
_MONEY_PARAMS = frozenset({"requested", "applied", "shortfall"})
_DATE_PARAMS = frozenset({"hire_date", "termination_date"})


def status_label(status: str) -> str:
    label = PAYSLIP_STATUS.get(str(status))
    return str(label) if label is not None else str(status)


def _param(name: str, value: object, currency: str) -> str:
    text = "" if value is None else str(value)
    try:
        if name in _MONEY_PARAMS:
            return money(Decimal(text), currency)
        if name in _DATE_PARAMS:
            return date_filter(date.fromisoformat(text))
        if name.endswith("_days"):
            return number(Decimal(text))
    except (InvalidOperation, ValueError):
        pass
    return text


def notice_text(notice: Mapping[str, Any], currency: str) -> str:
    """One notice (``{"code": …, "params": {…}}``) as a sentence in the user's language."""
    code = str(notice.get("code", ""))
    params = dict(notice.get("params") or {})
    template = _NOTICES.get(code)
    if template is None:
        details = ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
        return str(_("Notice %(code)s (%(details)s).", code=code, details=details))
    values: dict[str, str] = {}
    for name in ("concept", "requested", "applied", "shortfall", "paid_days", "period_days",
                 "worked_days", "absence_days", "input", "hire_date", "termination_date"):
        values[name] = _param(name, params.get(name, ""), currency)
    return str(str(template) % values)


def pdf_texts(currency: str) -> PdfTexts:
    """Labels and formats of the payslip PDF for the request's language."""
    labels = {
        "title": _("Payslip"), "payroll": _("Payroll"), "period": _("Pay period"),
        "payment_date": _("Payment date"), "employee": _("Employee"),
        "national_id": _("ID number"), "position": _("Position"), "earning": _("Earnings"),
        "deduction": _("Deductions"), "employer": _("Employer contributions"),
        "code": _("Code"), "concept": _("Concept"), "amount": _("Amount"),
        "gross": _("Gross pay"), "total_deductions": _("Total deductions"),
        "net": _("Net pay"), "employer_contributions": _("Employer contributions total"),
        "employer_cost": _("Employer cost"), "notices": _("Notices"),
        "ytd": _("Year to date"), "loans": _("Loan balances"), "loan": _("Loan"),
        "status": _("Status"), "failure": _("Not computed"),
        "excluded": _("Excluded from this run"), "tax_id": _("Tax ID"), "page": _("Page"),
        "empty": _("No payslips in this run."),
    }
    return PdfTexts(labels=labels, money=lambda amount: money(amount, currency),
                    day=date_filter,
                    notice=lambda notice: notice_text(notice, currency))


#: Fixed texts of the run services' errors, so that the catalog translates them
#: (``errors.translate`` looks every service message up).
SERVICE_TEXTS: tuple[Any, ...] = (
    _l("a reason is required to void a payroll run"),
    _l("give the reason for voiding"),
    _l("the period ends before it starts"),
)
