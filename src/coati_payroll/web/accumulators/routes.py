"""Year-to-date accumulators: list, create, edit, activate/deactivate, and the JSON check of
the amount formula used by the live editor.

``POST /accumulators/validate`` (static/js/formula-editor.js, pointed here by the form's
``data-validate-url``; ``X-CSRFToken`` header) — body ``{"source", "code"?}`` (the editor also
sends ``field``, ``kind`` and ``loan``: ignored, an accumulator has no ordering rules) →
``{"ok": true, "names": [...], "tables": [...]}`` or ``{"ok": false, "error": {"message",
"text", "code", "line", "column", "position", "line_text", "caret"}}`` (200 both; 400 for a
malformed body).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from coati_payroll.db.models import AccumulatorDefinition
from coati_payroll.services import accumulators
from coati_payroll.services import concept_queries as queries
from coati_payroll.services.errors import InvalidInput, ServiceError
from coati_payroll.web.accumulators.forms import EXAMPLES, HINTS, AccumulatorForm
from coati_payroll.web.accumulators.texts import ACCUMULATOR_PROBLEMS
from coati_payroll.web.concepts.texts import error_payload, positioned
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.inputs.texts import apply_error
from coati_payroll.web.security import (
    DEFAULT_POLICY,
    EDITORS,
    current_actor,
    feature_blueprint,
    policy,
)

blueprint = feature_blueprint("accumulators", __name__, policy=DEFAULT_POLICY,
                              url_prefix="/accumulators")


def _load(accumulator_id: int) -> AccumulatorDefinition:
    accumulator = db_session().get(AccumulatorDefinition, accumulator_id)
    if accumulator is None:
        abort(404)
    return accumulator


@blueprint.context_processor
def _helpers() -> dict[str, object]:
    return {"hints": HINTS}


@blueprint.get("/")
def index() -> ResponseReturnValue:
    return render_template("accumulators/index.html",
                           accumulators=accumulators.list_accumulators(db_session()))


def _render(form: AccumulatorForm, accumulator: AccumulatorDefinition | None, status: int,
            payload: dict[str, Any] | None = None) -> ResponseReturnValue:
    session = db_session()
    scope = accumulators.amount_scope(session, accumulator.code if accumulator else None)
    return render_template(
        "accumulators/form.html", form=form, accumulator=accumulator, payload=payload,
        name_groups=queries.name_reference(session, scope), tables=queries.table_names(scope),
        functions=queries.function_usages(), examples=EXAMPLES), status


def _check(form: AccumulatorForm, code: str) -> dict[str, Any] | None:
    """Check the amount as the service will; a translated, positioned error goes next to the
    field and its caret data is returned."""
    source = form.amount.data or ""
    if not source.strip() or form.amount.errors:
        return None
    check = accumulators.check_amount(db_session(), source, code or None)
    if check.error is None:
        return None
    form.amount.errors = [*form.amount.errors, positioned(check.error)]
    return error_payload(check.error, source)


def _data(form: AccumulatorForm) -> accumulators.AccumulatorData:
    return accumulators.AccumulatorData(code=(form.code.data or "").strip(),
                                        name=form.name.data or "",
                                        amount=form.amount.data or "")


def _save(form: AccumulatorForm, accumulator: AccumulatorDefinition | None
          ) -> ResponseReturnValue:
    if accumulator is not None:
        form.code.data = accumulator.code
    if request.method == "GET":
        return _render(form, accumulator, 200)
    valid = form.validate_on_submit()
    payload = _check(form, (form.code.data or "").strip())
    if not valid or payload is not None:
        return _render(form, accumulator, 422, payload)
    try:
        with unit_of_work() as uow:
            if accumulator is None:
                saved = accumulators.create_accumulator(uow.session, current_actor(),
                                                        _data(form))
            else:
                own = uow.session.get(AccumulatorDefinition, accumulator.id)
                assert own is not None
                saved = accumulators.update_accumulator(uow.session, current_actor(), own,
                                                        _data(form))
            code = saved.code
            uow.commit()
    except ServiceError as error:
        if isinstance(error, InvalidInput) and "amount" in error.problems:
            # the names changed since the check above: show the error as it is now
            payload = _check(form, (form.code.data or "").strip())
            if payload is not None:
                error.problems.pop("amount")
        status = apply_error(error, form, ACCUMULATOR_PROBLEMS)
        return _render(form, accumulator, status, payload)
    flash(_("Accumulator %(code)s saved.", code=code), "success")
    return redirect(url_for("accumulators.index"))


@blueprint.route("/new", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def new() -> ResponseReturnValue:
    return _save(AccumulatorForm(), None)


@blueprint.route("/<int:accumulator_id>/edit", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def edit(accumulator_id: int) -> ResponseReturnValue:
    accumulator = _load(accumulator_id)
    form = AccumulatorForm()
    if request.method == "GET":
        form.name.data = accumulator.name
        form.amount.data = accumulator.amount
    return _save(form, accumulator)


@blueprint.post("/<int:accumulator_id>/active")
def set_active(accumulator_id: int) -> ResponseReturnValue:
    accumulator = _load(accumulator_id)
    active = not accumulator.active
    try:
        with unit_of_work() as uow:
            own = uow.session.get(AccumulatorDefinition, accumulator.id)
            assert own is not None
            accumulators.set_accumulator_active(uow.session, current_actor(), own, active)
            uow.commit()
    except ServiceError as error:
        if isinstance(error, InvalidInput) and "amount" in error.problems:
            # activation re-checks the amount formula: say where it fails, translated
            check = accumulators.check_amount(db_session(), accumulator.amount,
                                              accumulator.code)
            if check.error is not None:
                error.problems.pop("amount")
                flash(_("Amount formula: %(error)s", error=positioned(check.error)), "error")
        apply_error(error, None, ACCUMULATOR_PROBLEMS)
    else:
        flash(_("Accumulator %(code)s activated.", code=accumulator.code) if active else
              _("Accumulator %(code)s deactivated.", code=accumulator.code), "success")
    return redirect(url_for("accumulators.index"))


@blueprint.post("/validate")
def validate() -> ResponseReturnValue:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("source"), str):
        raise BadRequest()
    source: str = body["source"]
    if not source.strip():
        text = _("the formula is empty")
        return jsonify(ok=False, error={"message": text, "text": text, "code": "empty",
                                        "line": 1, "column": 1, "position": 0,
                                        "line_text": "", "caret": "^"})
    code = body.get("code")
    check = accumulators.check_amount(db_session(), source,
                                      code if isinstance(code, str) and code else None)
    if check.error is not None:
        return jsonify(ok=False, error=error_payload(check.error, source))
    return jsonify(ok=True, names=list(check.names), tables=list(check.tables))
