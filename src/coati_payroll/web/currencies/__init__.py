"""Currencies and exchange rates: lists, forms, and the import of rates from CSV/XLSX (reads
any role; writes admin and hr)."""

from coati_payroll.web.currencies.routes import blueprint

__all__ = ["blueprint"]
