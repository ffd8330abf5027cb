"""Custom employee fields: list, create, edit, activate/deactivate and delete (reads any
role; writes admin and hr)."""

from coati_payroll.web.custom_fields.routes import blueprint

__all__ = ["blueprint"]
