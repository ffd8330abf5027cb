"""Payslips as PDF (fpdf2, pure Python): one employee, or a whole run page by page.

Each payslip is one page (more when it has many lines): the company, the payroll and its
period, the employee, every line grouped as earnings, deductions and employer contributions
with its amount, the totals and the net pay, the notices as sentences, the year-to-date values
and the loan balances after the period.

Text is set in the core font Helvetica with the Windows-1252 encoding, which covers Spanish
(á é í ó ú ñ ü ¿ ¡) and the usual currency signs; it needs no font file and keeps every text —
the net amount included — extractable. Characters outside that encoding are replaced.

Words and formats come from the caller (:class:`PdfTexts`), so this module stays free of the
web framework: labels in the user's language, money and dates formatted for the locale,
notices already turned into sentences.

:func:`write_run_pdf` consumes payslips from an iterator (the caller loads them from the
database in batches) and writes the document to a binary stream, typically a temporary file
that the web layer then streams: no list of every payslip is ever built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO, Any, Final

from fpdf import FPDF

from coati_payroll.core.results import PayslipStatus
from coati_payroll.services.run_queries import PayslipView, RunHeader

__all__ = ["LABELS", "PdfTexts", "payslip_pdf_bytes", "write_run_pdf"]

ENCODING: Final = "windows-1252"
#: The labels a caller must give (English defaults, used for missing keys).
LABELS: Final[dict[str, str]] = {
    "title": "Payslip", "payroll": "Payroll", "period": "Pay period",
    "payment_date": "Payment date", "employee": "Employee", "national_id": "ID number",
    "position": "Position", "earning": "Earnings", "deduction": "Deductions",
    "employer": "Employer contributions", "code": "Code", "concept": "Concept",
    "amount": "Amount", "gross": "Gross pay", "total_deductions": "Total deductions",
    "net": "Net pay", "employer_contributions": "Employer contributions total",
    "employer_cost": "Employer cost", "notices": "Notices", "ytd": "Year to date",
    "loans": "Loan balances", "loan": "Loan", "status": "Status", "failure": "Not computed",
    "excluded": "Excluded from this run", "tax_id": "Tax ID", "page": "Page",
    "empty": "No payslips in this run.",
}
_REPLACE: Final = {"\u202f": "\u00a0", "\u2009": " ", "\u2212": "-"}


@dataclass(frozen=True, slots=True)
class PdfTexts:
    """How to write words, amounts and dates in the reader's language."""

    labels: Mapping[str, str]
    money: Callable[[Decimal], str]
    day: Callable[[date], str]
    notice: Callable[[Mapping[str, Any]], str]

    def label(self, key: str) -> str:
        return self.labels.get(key) or LABELS[key]


def _clean(text: str) -> str:
    """``text`` limited to what the core font's encoding holds."""
    text = "".join(_REPLACE.get(ch, ch) for ch in text)
    return text.encode(ENCODING, errors="replace").decode(ENCODING)


class _Document(FPDF):
    def __init__(self, texts: PdfTexts, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = ENCODING
        self.texts = texts
        self.set_title(_clean(title))
        self.set_creator("Coati Payroll")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(16, 16, 16)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(110)
        self.cell(0, 5, _clean(f"{self.texts.label('page')} {self.page_no()}"), align="R")
        self.set_text_color(0)

    def text_line(self, text: str, *, size: float = 9.5, style: str = "", height: float = 5,
                  align: str = "L") -> None:
        self.set_font("Helvetica", style=style, size=size)
        self.multi_cell(0, height, _clean(text), align=align, new_x="LMARGIN", new_y="NEXT")

    def pair(self, label: str, value: str, *, style: str = "", size: float = 9.5) -> None:
        self.set_font("Helvetica", style=style, size=size)
        width = self.epw
        self.cell(width * 0.6, 6, _clean(label))
        self.cell(width * 0.4, 6, _clean(value), align="R", new_x="LMARGIN", new_y="NEXT")

    def rule(self, weight: float = 0.2) -> None:
        self.set_line_width(weight)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)


def _head(doc: _Document, header: RunHeader, slip: PayslipView) -> None:
    texts = doc.texts
    doc.text_line(header.company_name, size=13, style="B", height=6)
    legal = [part for part in (header.company_legal_name,
                               f"{texts.label('tax_id')}: {header.company_tax_id}"
                               if header.company_tax_id else None) if part]
    if legal:
        doc.text_line(" · ".join(legal), size=8.5)
    doc.ln(1)
    doc.text_line(texts.label("title"), size=12, style="B", height=6)
    doc.pair(texts.label("payroll"), f"{header.definition_name} ({header.definition_code})")
    doc.pair(texts.label("period"),
             f"{texts.day(header.period_start)} - {texts.day(header.period_end)}")
    if header.payment_date is not None:
        doc.pair(texts.label("payment_date"), texts.day(header.payment_date))
    doc.rule(0.4)
    doc.pair(texts.label("employee"), f"{slip.code} - {slip.name}", style="B")
    if slip.national_id:
        doc.pair(texts.label("national_id"), slip.national_id)
    if slip.position:
        doc.pair(texts.label("position"), slip.position)
    doc.rule(0.4)


def _lines(doc: _Document, slip: PayslipView) -> None:
    texts = doc.texts
    for kind in ("earning", "deduction", "employer"):
        lines = slip.of_kind(kind)
        if not lines:
            continue
        doc.set_font("Helvetica", style="B", size=10)
        doc.cell(0, 6, _clean(texts.label(kind)), new_x="LMARGIN", new_y="NEXT")
        doc.set_font("Helvetica", size=9.5)
        for line in lines:
            width = doc.epw
            doc.cell(width * 0.2, 5.5, _clean(line.code))
            doc.cell(width * 0.5, 5.5, _clean(line.name))
            doc.cell(width * 0.3, 5.5, _clean(texts.money(line.amount)), align="R",
                     new_x="LMARGIN", new_y="NEXT")
        doc.ln(1)
    doc.rule(0.4)
    for name in ("gross", "total_deductions"):
        doc.pair(texts.label(name), texts.money(slip.totals[name]))
    doc.pair(texts.label("net"), texts.money(slip.totals["net"]), style="B", size=12)
    for name in ("employer_contributions", "employer_cost"):
        doc.pair(texts.label(name), texts.money(slip.totals[name]), size=8.5)


def _extras(doc: _Document, slip: PayslipView) -> None:
    texts = doc.texts
    if slip.notices:
        doc.ln(2)
        doc.text_line(texts.label("notices"), style="B", size=10)
        for notice in slip.notices:
            doc.text_line(f"- {texts.notice(notice)}", size=9)
    if slip.ytd_after:
        doc.ln(2)
        doc.text_line(texts.label("ytd"), style="B", size=10)
        for code, value in sorted(slip.ytd_after.items()):
            doc.pair(code, texts.money(value), size=9)
    if slip.loan_balances:
        doc.ln(2)
        doc.text_line(texts.label("loans"), style="B", size=10)
        for loan_id, value in sorted(slip.loan_balances.items()):
            doc.pair(f"{texts.label('loan')} {loan_id}", texts.money(value), size=9)


def _payslip(doc: _Document, header: RunHeader, slip: PayslipView) -> None:
    doc.add_page()
    _head(doc, header, slip)
    if slip.status is PayslipStatus.ERROR:
        failure = slip.failure or {}
        doc.text_line(_failure_text(doc.texts, failure), style="B")
    elif slip.status is PayslipStatus.EXCLUDED:
        doc.text_line(doc.texts.label("excluded"), style="B")
    else:
        _lines(doc, slip)
    _extras(doc, slip)


def _failure_text(texts: PdfTexts, failure: Mapping[str, Any]) -> str:
    message = failure.get("message") or failure.get("code") or ""
    return f"{texts.label('failure')}: {message}"


def payslip_pdf_bytes(header: RunHeader, slip: PayslipView, texts: PdfTexts) -> bytes:
    """One employee's payslip as a PDF document."""
    doc = _Document(texts, f"{texts.label('title')} {slip.code}")
    _payslip(doc, header, slip)
    return bytes(doc.output())


def write_run_pdf(stream: IO[bytes], header: RunHeader, slips: Iterable[PayslipView],
                  texts: PdfTexts) -> int:
    """Every payslip of ``slips`` (consumed one at a time), one page each, written to
    ``stream``; returns the number of payslips."""
    doc = _Document(texts, f"{texts.label('title')} {header.definition_code} "
                           f"{header.period_start.isoformat()}")
    count = 0
    for slip in slips:
        _payslip(doc, header, slip)
        count += 1
    if not count:
        doc.add_page()
        doc.text_line(header.company_name, size=13, style="B")
        doc.text_line(texts.label("empty"))
    stream.write(bytes(doc.output()))
    return count
