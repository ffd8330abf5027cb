"""Payroll definitions (planillas): list, create/edit, employees, concepts with priority
overrides, clone."""

from coati_payroll.web.payrolls import members  # noqa: F401  (views)
from coati_payroll.web.payrolls.routes import blueprint

__all__ = ["blueprint"]
