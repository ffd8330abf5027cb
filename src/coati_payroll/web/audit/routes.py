"""Audit log pages: the filtered list (newest first, keyset pages) and one entry's diff."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coati_payroll.services import audit_log
from coati_payroll.web.extensions import db_session, state
from coati_payroll.web.security import DEFAULT_POLICY, feature_blueprint

blueprint = feature_blueprint("audit", __name__, policy=DEFAULT_POLICY, url_prefix="/audit")

#: Entity types the services write, with their names (a type not listed shows as stored).
ENTITY_TYPES = {
    "company": _l("Company"),
    "concept": _l("Concept"),
    "currency": _l("Currency"),
    "custom_field": _l("Custom field"),
    "employee": _l("Employee"),
    "exchange_rate": _l("Exchange rate"),
    "loan": _l("Loan"),
    "novelty": _l("Novelty"),
    "payroll_definition": _l("Payroll definition"),
    "payroll_run": _l("Payroll run"),
    "payroll_type": _l("Payroll type"),
    "rate_table": _l("Table"),
    "user": _l("User"),
}


def _day(name: str, errors: dict[str, str]) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = _("Enter a date as YYYY-MM-DD.")
        return None


def _filters() -> tuple[audit_log.AuditFilter, dict[str, Any], dict[str, str]]:
    """The filter of the query string, its values for links, and errors by field name."""
    errors: dict[str, str] = {}
    zone = ZoneInfo(state().settings.timezone)
    user_text = request.args.get("user", "").strip()
    user_id = int(user_text) if user_text.isdigit() else None
    if user_text and user_id is None:
        errors["user"] = _("Choose a user from the list.")
    start_day, end_day = _day("from", errors), _day("to", errors)
    if start_day and end_day and end_day < start_day:
        errors["to"] = _("The end date must be on or after the start date.")
        end_day = None
    action, entity_type, entity_id = (request.args.get(name, "").strip()[:64]
                                      for name in ("action", "entity_type", "entity_id"))
    values: dict[str, Any] = {
        "user": user_id, "action": action, "entity_type": entity_type, "entity_id": entity_id,
        "from": start_day.isoformat() if start_day else None,
        "to": end_day.isoformat() if end_day else None,
    }
    filters = audit_log.AuditFilter(
        user_id=user_id, action=action, entity_type=entity_type, entity_id=entity_id,
        start=datetime.combine(start_day, time.min, zone) if start_day else None,
        end=datetime.combine(end_day + timedelta(days=1), time.min, zone) if end_day else None)
    return filters, {k: v for k, v in values.items() if v}, errors


def _int_arg(name: str) -> int | None:
    text = request.args.get(name, "")
    return int(text) if text.isdigit() else None


@blueprint.context_processor
def texts() -> dict[str, object]:
    return {"entity_types": ENTITY_TYPES}


@blueprint.get("/")
def index() -> ResponseReturnValue:
    session = db_session()
    filters, args, errors = _filters()
    page = audit_log.search_entries(session, filters, before=_int_arg("before"),
                                    after=_int_arg("after"))
    return render_template(
        "audit/index.html", page=page, args=args, errors=errors,
        users=audit_log.user_choices(session), filtered=bool(args),
        paged=bool(request.args.get("before") or request.args.get("after")))


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@blueprint.get("/<int:entry_id>")
def detail(entry_id: int) -> ResponseReturnValue:
    entry = audit_log.get_entry(db_session(), entry_id)
    lines = [(line, _shown(line.before), _shown(line.after)) for line in audit_log.diff(entry)]
    return render_template("audit/detail.html", entry=entry, lines=lines)
