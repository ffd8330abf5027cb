"""Novelty pages: list, add, edit and cancel pending ones, and the CSV/XLSX import."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coati_payroll.db.models import NoveltyStatus
from coati_payroll.services.errors import InvalidInput, ServiceError
from coati_payroll.services.novelty_import import import_novelties
from coati_payroll.services.tabular import read_sheet_bytes
from coati_payroll.web.errors import apply_service_error, translate
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.novelties import changes
from coati_payroll.web.novelties.forms import CancelForm, ImportForm, NoveltyForm
from coati_payroll.web.security import DEFAULT_POLICY, current_actor, feature_blueprint

blueprint = feature_blueprint("novelties", __name__, policy=DEFAULT_POLICY,
                              url_prefix="/novelties")

PER_PAGE = 50


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return None


@blueprint.get("/")
def index() -> ResponseReturnValue:
    start, end = _day("start"), _day("end")
    employee = (request.args.get("employee") or "").strip()[:100]
    status = request.args.get("status") or ""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = changes.list_novelties(db_session(), start=start, end=end, employee=employee,
                                         status=status or None, page=page, per_page=PER_PAGE)
    return render_template("novelties/index.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), start=start, end=end,
                           employee=employee, status=status, cancel_form=CancelForm(),
                           statuses=[s.value for s in NoveltyStatus])


def _form(obj: dict[str, Any] | None = None) -> NoveltyForm:
    form = NoveltyForm(data=obj) if obj is not None and request.method == "GET" \
        else NoveltyForm()
    options = changes.choices(db_session())
    form.company.choices = options["company"]
    form.input.choices = [("", "—"), *options["input"]]
    form.payroll.choices = [("", "—"), *options["payroll"]]
    if request.method == "GET" and obj is None and len(options["company"]) == 1:
        form.company.data = options["company"][0][0]
    return form


def _cells(form: NoveltyForm) -> dict[str, str]:
    return {"company": form.company.data or "", "employee": (form.employee.data or "").strip(),
            "input": form.input.data or "", "value": (form.value.data or "").strip(),
            "date": form.date.data.isoformat() if form.date.data else "",
            "payroll": form.payroll.data or "", "note": (form.note.data or "").strip()}


@blueprint.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    form = _form()
    if not form.validate_on_submit():
        return render_template("novelties/form.html", form=form, novelty_id=None), \
            422 if form.errors else 200
    try:
        with unit_of_work() as uow:
            changes.add_novelty(uow.session, current_actor(), _cells(form))
            uow.commit()
    except ServiceError as error:
        status = apply_service_error(error, form)
        return render_template("novelties/form.html", form=form, novelty_id=None), status
    flash(_("Novelty saved."), "success")
    return redirect(url_for("novelties.index"))


@blueprint.route("/<int:novelty_id>/edit", methods=["GET", "POST"])
def edit(novelty_id: int) -> ResponseReturnValue:
    session = db_session()
    novelty = changes.pending(session, novelty_id)
    form = _form(changes.cells_of(session, novelty))
    if not form.validate_on_submit():
        return render_template("novelties/form.html", form=form, novelty_id=novelty_id), \
            422 if form.errors else 200
    try:
        with unit_of_work() as uow:
            changes.replace_novelty(uow.session, current_actor(), novelty_id, _cells(form))
            uow.commit()
    except ServiceError as error:
        status = apply_service_error(error, form)
        return render_template("novelties/form.html", form=form, novelty_id=novelty_id), status
    flash(_("Novelty updated."), "success")
    return redirect(url_for("novelties.index"))


@blueprint.post("/<int:novelty_id>/cancel")
def cancel(novelty_id: int) -> ResponseReturnValue:
    changes.pending(db_session(), novelty_id)
    if not CancelForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("novelties.index")), 400
    try:
        with unit_of_work() as uow:
            changes.cancel_novelty(uow.session, current_actor(), novelty_id)
            uow.commit()
    except ServiceError as error:
        apply_service_error(error)
    else:
        flash(_("Novelty cancelled."), "success")
    return redirect(url_for("novelties.index"))


@blueprint.route("/import", methods=["GET", "POST"])
def import_file() -> ResponseReturnValue:
    form = ImportForm()
    companies = changes.choices(db_session())["company"]
    form.company.choices = [("", "—"), *companies]
    if not form.validate_on_submit():
        return render_template("novelties/import.html", form=form, problems={}), \
            422 if form.errors else 200
    upload = form.file.data
    name = upload.filename or "upload"
    fmt = Path(name).suffix.lstrip(".").lower()
    try:
        sheet = read_sheet_bytes(upload.read(), fmt, name)
        with unit_of_work() as uow:
            summary = import_novelties(uow.session, current_actor(), sheet,
                                       company=form.company.data or None,
                                       allow_duplicates=bool(form.allow_duplicates.data))
            uow.commit()
    except InvalidInput as error:
        flash(translate(error.message), "error")
        problems = {key: translate(text) for key, text in error.problems.items()}
        return render_template("novelties/import.html", form=form, problems=problems), 422
    except ServiceError as error:
        status = apply_service_error(error, form)
        return render_template("novelties/import.html", form=form, problems={}), status
    flash(_("%(count)s novelties imported.", count=summary.created), "success")
    return redirect(url_for("novelties.index"))
