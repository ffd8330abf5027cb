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
]


@dataclass(frozen=True, slots=True)
class NavItem:
    endpoint: str
    label: Any  # a lazy_gettext string: translated when the page is rendered


NAVIGATION: Final[list[NavItem]] = [
    NavItem("dashboard.index", _l("Dashboard")),
    NavItem("companies.index", _l("Companies")),
    NavItem("employees.index", _l("Employees")),
    NavItem("concepts.index", _l("Concepts")),
    NavItem("tables.index", _l("Tables")),
    NavItem("payrolls.index", _l("Payroll definitions")),
    NavItem("runs.index", _l("Payroll runs")),
    NavItem("novelties.index", _l("Novelties")),
    NavItem("loans.index", _l("Loans")),
    NavItem("currencies.index", _l("Currencies")),
    NavItem("reports.index", _l("Reports")),
    NavItem("audit.index", _l("Audit log")),
    NavItem("users.index", _l("Users")),
]
