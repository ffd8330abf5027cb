"""Employees: the searchable list, the detail page with the salary history and raises, the
form with custom fields, and the CSV/XLSX import and export (reads any role; writes admin and
hr)."""

from coati_payroll.web.employees import transfer as _transfer  # noqa: F401  (its routes)
from coati_payroll.web.employees.routes import blueprint

__all__ = ["blueprint"]
