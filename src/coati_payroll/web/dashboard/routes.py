"""The dashboard page (any signed-in role)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import render_template
from flask.typing import ResponseReturnValue

from coati_payroll.queue import QueueClient
from coati_payroll.services import dashboard
from coati_payroll.settings import mask_url
from coati_payroll.web.extensions import db_session, state
from coati_payroll.web.security import DEFAULT_POLICY, feature_blueprint

blueprint = feature_blueprint("dashboard", __name__, policy=DEFAULT_POLICY)


@blueprint.get("/")
def index() -> ResponseReturnValue:
    settings = state().settings
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    summary = dashboard.summarize(db_session(), today)
    client = QueueClient.from_settings(settings)
    # Never raises when Redis is down: the card then says so (the page itself stays up).
    queue = client.status() if client is not None else None
    return render_template("dashboard/index.html", summary=summary, queue=queue,
                           queue_url=mask_url(client.url) if client else None)
