"""Companies: list, create, edit, activate/deactivate and delete (reads any role; writes
admin and hr)."""

from coati_payroll.web.companies.routes import blueprint

__all__ = ["blueprint"]
