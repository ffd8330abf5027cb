"""Inputs (novelty types): list, create, edit, activate/deactivate."""

from coati_payroll.web.inputs.routes import blueprint

__all__ = ["blueprint"]
