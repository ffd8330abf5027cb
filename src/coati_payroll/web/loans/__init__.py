"""Loans and advances: list, create with a schedule preview, detail with the schedule and the
balance history, extra payments and forgiveness."""

from coati_payroll.web.loans.routes import blueprint

__all__ = ["blueprint"]
