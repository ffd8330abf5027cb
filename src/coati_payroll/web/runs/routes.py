"""Payroll runs: list, create, detail with the actions of its state, the lifecycle actions
(calculate, recalculate, approve, apply, void) and the progress endpoint (JSON)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coati_payroll.db.models import RunStatus
from coati_payroll.services import background_recovery, run_lists, run_queries, runs, runs_apply
from coati_payroll.services.errors import ServiceError
from coati_payroll.web.errors import apply_service_error
from coati_payroll.web.extensions import db_session, state, unit_of_work
from coati_payroll.web.runs import dispatch
from coati_payroll.web.runs.forms import ActionForm, CreateRunForm, RecalculateForm, VoidForm
from coati_payroll.web.security import DEFAULT_POLICY, current_actor, feature_blueprint

blueprint = feature_blueprint("runs", __name__, policy=DEFAULT_POLICY, url_prefix="/runs")

PER_PAGE = 50


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


@blueprint.get("/")
def index() -> ResponseReturnValue:
    status = request.args.get("status") or None
    items, total = run_lists.list_runs(db_session(), status=status, page=_page(),
                                         per_page=PER_PAGE)
    return render_template("runs/index.html", runs=items, total=total, page=_page(),
                           pages=max(1, -(-total // PER_PAGE)), status=status,
                           statuses=[s.value for s in RunStatus])


def _today() -> datetime:
    return datetime.now(ZoneInfo(state().settings.timezone))


def _suggestions(choices: list[tuple[int, str]]) -> list[tuple[int, str, dict[str, str]]]:
    """Each definition with its suggested next period as data attributes (for the page JS)."""
    today = _today().date()
    session = db_session()
    options = []
    for definition_id, label in choices:
        start, end = runs.suggest_next_period(session, definition_id, today)
        options.append((definition_id, label, {"data-start": start.isoformat(),
                                               "data-end": end.isoformat()}))
    return options


@blueprint.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    form = CreateRunForm()
    choices = run_lists.definition_choices(db_session())
    form.definition_id.choices = _suggestions(choices)
    if request.method == "GET" and choices:
        wanted = request.args.get("definition_id", type=int)
        chosen = wanted if wanted in {c[0] for c in choices} else choices[0][0]
        start, end = runs.suggest_next_period(db_session(), chosen, _today().date())
        form.definition_id.data = chosen
        form.period_start.data, form.period_end.data = start, end
        form.payment_date.data = end
    if not form.validate_on_submit():
        return render_template("runs/new.html", form=form), 422 if form.errors else 200
    try:
        summary = runs.create_run(unit_of_work(), current_actor(), form.definition_id.data,
                                  form.period_start.data, form.period_end.data,
                                  form.payment_date.data)
    except ServiceError as error:
        status = apply_service_error(error, form)
        return render_template("runs/new.html", form=form), status
    flash(_("Payroll run %(id)s created.", id=summary.id), "success")
    return redirect(url_for("runs.detail", run_id=summary.id))


def _detail(run_id: int, void_form: VoidForm | None = None,
            status: int = 200) -> ResponseReturnValue:
    session = db_session()
    header = run_queries.run_header(session, run_id)
    return render_template(
        "runs/detail.html", run=header, void_form=void_form or VoidForm(),
        recalculate_form=RecalculateForm(), action_form=ActionForm(),
        previous_id=run_queries.previous_run_id(session, header),
        progress=dispatch.progress(session, run_id)), status


@blueprint.get("/<int:run_id>")
def detail(run_id: int) -> ResponseReturnValue:
    return _detail(run_id)


@blueprint.get("/<int:run_id>/progress")
def progress(run_id: int) -> ResponseReturnValue:
    return jsonify(dispatch.progress(db_session(), run_id))


def _back(run_id: int) -> ResponseReturnValue:
    return redirect(url_for("runs.detail", run_id=run_id))


def _refused(run_id: int, error: ServiceError) -> ResponseReturnValue:
    """A refused action: the message on the run's page with the error's status."""
    run_queries.run_header(db_session(), run_id)  # an unknown run is a 404 page
    status = apply_service_error(error)
    return _detail(run_id, status=status)


def _calculate(run_id: int, recalculate: bool) -> ResponseReturnValue:
    form = RecalculateForm() if recalculate else ActionForm()
    run_queries.run_header(db_session(), run_id)
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return _detail(run_id, status=400)
    refresh = bool(recalculate and form.refresh_setup.data)
    try:
        started = dispatch.start_calculation(current_actor(), run_id, recalculate=recalculate,
                                             refresh_setup=refresh)
    except ServiceError as error:
        return _refused(run_id, error)
    header = run_queries.run_header(db_session(), run_id)
    if started.mode == "background":
        flash(_("The calculation runs in the background: %(reason)s",
                reason=started.reason), "info")
    elif header.status is RunStatus.ERROR:
        flash(_("The calculation failed: %(message)s", message=header.error_message or ""),
              "error")
    else:
        flash(_("Payroll run calculated: %(computed)s computed, %(failed)s failed, "
                "%(excluded)s excluded (%(reason)s).", computed=header.computed,
                failed=header.failed, excluded=header.excluded, reason=started.reason),
              "success" if not header.failed else "warning")
    return _back(run_id)


@blueprint.post("/<int:run_id>/calculate")
def calculate(run_id: int) -> ResponseReturnValue:
    return _calculate(run_id, recalculate=False)


@blueprint.post("/<int:run_id>/recalculate")
def recalculate(run_id: int) -> ResponseReturnValue:
    return _calculate(run_id, recalculate=True)


@blueprint.post("/<int:run_id>/cancel")
def cancel(run_id: int) -> ResponseReturnValue:
    """Stop a calculating run: remaining chunks are cancelled and the run goes back to draft."""
    run_queries.run_header(db_session(), run_id)
    if not ActionForm().validate_on_submit():
        return _detail(run_id, status=400)
    try:
        background_recovery.cancel(unit_of_work(), current_actor(), run_id)
    except ServiceError as error:
        return _refused(run_id, error)
    flash(_("The calculation of payroll run %(id)s was cancelled; the run is a draft again.",
            id=run_id), "success")
    return _back(run_id)


@blueprint.post("/<int:run_id>/approve")
def approve(run_id: int) -> ResponseReturnValue:
    run_queries.run_header(db_session(), run_id)
    if not ActionForm().validate_on_submit():
        return _detail(run_id, status=400)
    try:
        runs.approve_run(unit_of_work(), current_actor(), run_id)
    except ServiceError as error:
        return _refused(run_id, error)
    flash(_("Payroll run %(id)s approved.", id=run_id), "success")
    return _back(run_id)


@blueprint.post("/<int:run_id>/apply")
def apply(run_id: int) -> ResponseReturnValue:
    run_queries.run_header(db_session(), run_id)
    if not ActionForm().validate_on_submit():
        return _detail(run_id, status=400)
    try:
        runs_apply.apply_run(unit_of_work(), current_actor(), run_id)
    except ServiceError as error:
        return _refused(run_id, error)
    flash(_("Payroll run %(id)s applied: loans, year-to-date balances and novelties were "
            "updated.", id=run_id), "success")
    return _back(run_id)


@blueprint.post("/<int:run_id>/void")
def void(run_id: int) -> ResponseReturnValue:
    run_queries.run_header(db_session(), run_id)
    form = VoidForm()
    if not form.validate_on_submit():
        flash(_("The payroll run was not voided: give the reason."), "error")
        return _detail(run_id, void_form=form, status=422)
    try:
        runs_apply.void_run(unit_of_work(), current_actor(), run_id, form.reason.data or "")
    except ServiceError as error:
        status = apply_service_error(error, form)
        return _detail(run_id, void_form=form, status=status)
    flash(_("Payroll run %(id)s voided.", id=run_id), "success")
    return _back(run_id)
