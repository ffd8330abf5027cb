"""JSON endpoints of the formula editor and the test panel (called by
static/js/formula-editor.js with the ``X-CSRFToken`` header).

``POST /concepts/validate`` — body ``{"source", "field": "formula"|"condition", "code",
"kind", "loan"}`` → ``{"ok": true, "names": [...], "tables": [...]}`` or ``{"ok": false,
"error": {"message", "text", "code", "line", "column", "position", "line_text"}}`` (200 both:
an invalid formula is an answer, not a failed request; 400 for a malformed body).

``POST /concepts/<id>/versions/<n>/evaluate`` — body ``{"inputs": {name: value}, "currency"?}``
→ ``{"ok": true, "amount", "trace": {"values", "table_rows", "unrounded", "note"}}`` or
422 ``{"ok": false, "message", "problems": {...}, "error"?: {...}}``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from coati_payroll.core.errors import FormulaError
from coati_payroll.core.formula import MAX_SOURCE_LENGTH
from coati_payroll.services import concept_queries as queries
from coati_payroll.services.concept_tests import evaluate_concept, rounding_of
from coati_payroll.services.errors import InvalidInput, ServiceError
from coati_payroll.web.concepts.blueprint import blueprint
from coati_payroll.web.concepts.routes import load_concept, load_version
from coati_payroll.web.concepts.texts import error_payload, problem_text
from coati_payroll.web.extensions import db_session
from coati_payroll.web.security import ANY_ROLE, policy

_POSITION = re.compile(r"^line \d+, column \d+: ")


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest()
    return body


def _exact(value: Decimal) -> str:
    """A stored decimal without its padding zeros (0.10000000000000 → 0.1)."""
    return format(value.normalize(), "f") if value else "0"


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@blueprint.post("/validate")
def validate() -> ResponseReturnValue:
    body = _body()
    source = body.get("source")
    field = body.get("field", "formula")
    if not isinstance(source, str) or field not in ("formula", "condition"):
        raise BadRequest()
    if not source.strip():
        if field == "condition":
            return jsonify(ok=True, empty=True, names=[], tables=[])
        return jsonify(ok=False, error={"message": _("the formula is empty"),
                                        "text": _("the formula is empty"), "code": "empty",
                                        "line": 1, "column": 1, "position": 0,
                                        "line_text": ""})
    code = body.get("code")
    check = queries.check_formula(
        db_session(), source[:MAX_SOURCE_LENGTH + 1],
        code=code if isinstance(code, str) and code else None, loan=body.get("loan") is True,
        kind=body.get("kind") if isinstance(body.get("kind"), str) else None,
        condition=field == "condition")
    if check.error is not None:
        return jsonify(ok=False, error=error_payload(check.error, source))
    if check.late:
        text = _("this concept cannot read %(names)s: they are computed after it",
                 names=", ".join(check.late))
        return jsonify(ok=False, names=list(check.names), error={
            "message": text, "text": text, "code": "ordering", "line": None, "column": None,
            "position": None, "line_text": ""})
    return jsonify(ok=True, names=list(check.names), tables=list(check.tables))


@blueprint.post("/<int:concept_id>/versions/<int:number>/evaluate")
@policy(read=ANY_ROLE, write=ANY_ROLE)
def evaluate(concept_id: int, number: int) -> ResponseReturnValue:
    concept = load_concept(concept_id)
    version = load_version(concept, number)
    body = _body()
    inputs = body.get("inputs", {})
    currency = body.get("currency") or None
    if not isinstance(inputs, dict) or not all(isinstance(v, str) for v in inputs.values()):
        raise BadRequest()
    session = db_session()
    try:
        rounding = rounding_of(session, currency) if isinstance(currency, str) else None
        amount, trace = evaluate_concept(session, version, inputs, rounding)
    except InvalidInput as error:
        payload: dict[str, Any] = {
            "ok": False, "message": problem_text(error.message),
            "problems": {name: problem_text(text) for name, text in error.problems.items()}}
        positions = error.params.get("positions") or {}
        for field, where in positions.items():
            source = version.formula if field == "formula" else (version.condition or "")
            message = _POSITION.sub("", error.problems.get(field, ""))
            fake = FormulaError(message, source=source, position=int(where.get("position", 0)),
                                code=where.get("code"))
            payload["error"] = {**error_payload(fake, source), "field": field}
        return jsonify(payload), 422
    except ServiceError as error:
        return jsonify(ok=False, message=problem_text(error.message), problems={}), 404
    return jsonify(ok=True, amount=_text(amount), trace={
        "values": [[name, _text(value)] for name, value in trace.values],
        "table_rows": [{"table": hit.table, "row": hit.row, "lower": _exact(hit.lower),
                        "upper": "" if hit.upper is None else _exact(hit.upper),
                        "rate": _exact(hit.rate), "fixed": _exact(hit.fixed),
                        "input": _exact(hit.input), "result": _exact(hit.result)}
                       for hit in trace.table_rows],
        "unrounded": None if trace.unrounded is None else _text(trace.unrounded),
        "note": problem_text(trace.note)})
