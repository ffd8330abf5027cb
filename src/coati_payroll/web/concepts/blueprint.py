"""The concepts blueprint (its views live in routes.py, governance.py and api.py)."""

from __future__ import annotations

from coati_payroll.web.security import DEFAULT_POLICY, feature_blueprint

blueprint = feature_blueprint("concepts", __name__, policy=DEFAULT_POLICY,
                              url_prefix="/concepts")
