"""Activating and deactivating a payroll definition: one POST route,
``/payrolls/<id>/active``, and the button macro the payroll detail page imports
(``{% import "definition_status/_button.html" as status %}{{ status.button(definition) }}``).
"""

from coati_payroll.web.definition_status.routes import blueprint

__all__ = ["blueprint"]
