"""Payroll types: the rules of one kind of payroll (periodicity, salary conversion,
proration, the inputs for absences and hours)."""

from coati_payroll.web.payroll_types.routes import blueprint

__all__ = ["blueprint"]
