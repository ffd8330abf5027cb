"""The feature packages of the web app and the main navigation. Adding a feature = one line in
:data:`FEATURES` (and, for a menu entry, one in :data:`NAVIGATION`). See docs/web.md.

Each entry of :data:`FEATURES` is ``"module:attribute"`` naming a blueprint made with
:func:`coati_payroll.web.security.feature_blueprint`; ``create_app`` imports and registers them
in this order.

:data:`NAVIGATION` lists the menu: an entry is shown only when its endpoint exists and the
signed-in user's role may open it, so entries may name pages that are not written yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from flask_babel import lazy_gettext as _l

__all__ = ["FEATURES", "NAVIGATION", "NavItem"]

FEATURES: Final[list[str]] = [
    "coati_payroll.web.health:blueprint",
    "coati_payroll.web.auth:blueprint",
    "coati_payroll.web.dashboard:blueprint",
    "coati_payroll.web.runs:blueprint",
    "coati_payroll.web.novelties:blueprint",
    "coati_payroll.web.loans:blueprint",
    "coati_payroll.web.concepts:blueprint",
    "coati_payroll.web.companies:blueprint",
    "coati_payroll.web.currencies:blueprint",
    "coati_payroll.web.employees:blueprint",
    "coati_payroll.web.custom_fields:blueprint",
    "coati_payroll.web.audit:blueprint",
    "coati_payroll.web.users:blueprint",
    "coati_payroll.web.settings:blueprint",
    "coati_payroll.web.tables:blueprint",
    "coati_payroll.web.payroll_types:blueprint",
    "coati_payroll.web.payrolls:blueprint",
    "coati_payroll.web.inputs:blueprint",
    "coati_payroll.web.accumulators:blueprint",
    "coati_payroll.web.definition_status:blueprint",
]


@dataclass(frozen=True, slots=True)
class NavItem:
    endpoint: str
    label: Any  # a lazy_gettext string: translated when the page is rendered


NAVIGATION: Final[list[NavItem]] = [
    NavItem("dashboard.index", _l("Dashboard")),
    NavItem("companies.index", _l("Companies")),
    NavItem("employees.index", _l("Employees")),
    NavItem("custom_fields.index", _l("Custom fields")),
    NavItem("concepts.index", _l("Concepts")),
    NavItem("tables.index", _l("Tables")),
    NavItem("payroll_types.index", _l("Payroll types")),
    NavItem("inputs.index", _l("Inputs")),
    NavItem("accumulators.index", _l("Accumulators")),
    NavItem("payrolls.index", _l("Payroll definitions")),
    NavItem("runs.index", _l("Payroll runs")),
    NavItem("novelties.index", _l("Novelties")),
    NavItem("loans.index", _l("Loans")),
    NavItem("currencies.index", _l("Currencies")),
    NavItem("audit.index", _l("Audit log")),
    NavItem("users.index", _l("Users")),
    NavItem("settings.index", _l("Settings")),
]
