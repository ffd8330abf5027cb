"""Novelties (per-period inputs): list by period and employee, add, edit and cancel pending
ones, import a CSV/XLSX file (all or nothing, with the problems of every row)."""

from coati_payroll.web.novelties.routes import blueprint

__all__ = ["blueprint"]
