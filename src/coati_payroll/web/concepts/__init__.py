"""Concepts: list by kind, detail with versions and their differences, the form with the live
formula editor, the test panel, stored test cases and approval."""

from coati_payroll.web.concepts import api, governance, routes  # noqa: F401  (views)
from coati_payroll.web.concepts.blueprint import blueprint

__all__ = ["blueprint"]
