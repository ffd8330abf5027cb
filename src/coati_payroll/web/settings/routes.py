"""The effective configuration page: every setting as ``Settings.describe()`` gives it
(secrets and passwords inside URLs masked), admin only and read only."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from coati_payroll.web.extensions import state
from coati_payroll.web.security import ADMIN_AREA, feature_blueprint

blueprint = feature_blueprint("settings", __name__, policy=ADMIN_AREA, url_prefix="/settings")


@blueprint.get("/")
def index() -> ResponseReturnValue:
    settings = state().settings
    return render_template("settings/index.html", described=settings.describe(),
                           environment=settings.environment)
