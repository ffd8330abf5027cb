"""Bracket and rate tables: versions by effective date and their rows."""

from coati_payroll.web.tables.routes import blueprint

__all__ = ["blueprint"]
