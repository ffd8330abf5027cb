"""The dashboard page (any signed-in role)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import render_template
from flask.typing import ResponseReturnValue

from coati_payroll.services import dashboard
from coati_payroll.web.extensions import db_session, state
from coati_payroll.web.security import DEFAULT_POLICY, feature_blueprint

blueprint = feature_blueprint("dashboard", __name__, policy=DEFAULT_POLICY)


@blueprint.get("/")
def index() -> ResponseReturnValue:
    today = datetime.now(ZoneInfo(state().settings.timezone)).date()
    summary = dashboard.summarize(db_session(), today)
    return render_template("dashboard/index.html", summary=summary)
