"""Payroll runs: list, create, calculate (with progress), review, payslips, compare,
approve, apply, void, and the documents (payslip PDFs, register CSV/XLSX/JSON)."""

from coati_payroll.web.runs import documents, review  # noqa: F401  (register their views)
from coati_payroll.web.runs.routes import blueprint

__all__ = ["blueprint"]
