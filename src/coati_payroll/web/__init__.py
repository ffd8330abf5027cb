"""The ``coati-payroll`` web service: ``create_app(settings)`` and one package per feature.

Read docs/web.md before adding a feature; the boundary is the same as everywhere: routes only
translate HTTP into service calls (:mod:`coati_payroll.services`) and back.
"""

from coati_payroll.web.app import create_app

__all__ = ["create_app"]
