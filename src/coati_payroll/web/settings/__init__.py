"""The effective configuration, read only (admin only)."""

from coati_payroll.web.settings.routes import blueprint

__all__ = ["blueprint"]
