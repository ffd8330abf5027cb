"""Year-to-date accumulators: list, create, edit (the amount formula with the live editor),
activate/deactivate."""

from coati_payroll.web.accumulators.routes import blueprint

__all__ = ["blueprint"]
