"""The home page: headcount, latest payroll runs and what awaits approval (any role)."""

from coati_payroll.web.dashboard.routes import blueprint

__all__ = ["blueprint"]
