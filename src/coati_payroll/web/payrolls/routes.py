"""Payroll definitions: list, create, edit, detail and clone."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coati_payroll.db.models import PayrollDefinition
from coati_payroll.services import definitions
from coati_payroll.services import payroll_queries as queries
from coati_payroll.services.errors import ServiceError
from coati_payroll.web.concepts.forms import KIND_LABELS
from coati_payroll.web.concepts.texts import apply_error
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.payrolls.forms import AddConceptForm, CloneForm, DefinitionForm
from coati_payroll.web.security import (
    DEFAULT_POLICY,
    EDITORS,
    current_actor,
    feature_blueprint,
    policy,
)

blueprint = feature_blueprint("payrolls", __name__, policy=DEFAULT_POLICY,
                              url_prefix="/payrolls")


def load_definition(definition_id: int) -> PayrollDefinition:
    try:
        return queries.get_definition(db_session(), definition_id)
    except ServiceError:
        abort(404)


def _as_int(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


@blueprint.get("/")
def index() -> ResponseReturnValue:
    return render_template("payrolls/index.html", rows=queries.list_definitions(db_session()))


def _form() -> DefinitionForm:
    form = DefinitionForm()
    companies, types, currencies = queries.choices(db_session())
    form.company_id.choices = [(str(c.id), f"{c.code} · {c.name}") for c in companies]
    form.payroll_type_id.choices = [(str(t.id), f"{t.code} · {t.name}") for t in types]
    form.currency_code.choices = [(c.code, f"{c.code} · {c.name}") for c in currencies]
    return form


def _save(form: DefinitionForm, definition: PayrollDefinition | None) -> ResponseReturnValue:
    if definition is not None:
        form.company_id.choices = [(str(definition.company_id), str(definition.company_id))]
        form.company_id.data = str(definition.company_id)
    if request.method == "GET" or not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("payrolls/form.html", form=form, definition=definition), status
    data = definitions.DefinitionData(
        company_id=_as_int(form.company_id.data), code=(form.code.data or "").strip(),
        name=form.name.data or "", payroll_type_id=_as_int(form.payroll_type_id.data),
        currency_code=form.currency_code.data or "")
    try:
        with unit_of_work() as uow:
            if definition is None:
                saved = definitions.create_definition(uow.session, current_actor(), data)
            else:
                own = uow.session.get(PayrollDefinition, definition.id)
                assert own is not None
                saved = definitions.update_definition(uow.session, current_actor(), own, data)
            saved_id = saved.id
            uow.commit()
    except ServiceError as error:
        status = apply_error(error, form)
        return render_template("payrolls/form.html", form=form, definition=definition), status
    flash(_("Payroll definition %(code)s saved.", code=data.code), "success")
    return redirect(url_for("payrolls.detail", definition_id=saved_id))


@blueprint.route("/new", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def new() -> ResponseReturnValue:
    return _save(_form(), None)


@blueprint.route("/<int:definition_id>/edit", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def edit(definition_id: int) -> ResponseReturnValue:
    definition = load_definition(definition_id)
    form = _form()
    if request.method == "GET":
        form.code.data, form.name.data = definition.code, definition.name
        form.payroll_type_id.data = str(definition.payroll_type_id)
        form.currency_code.data = definition.currency_code
    return _save(form, definition)


@blueprint.get("/<int:definition_id>")
def detail(definition_id: int) -> ResponseReturnValue:
    session = db_session()
    definition = load_definition(definition_id)
    query = (request.args.get("q") or "").strip()
    concept_form = AddConceptForm(formdata=None)
    concept_form.concept_id.choices = [
        (str(c.id), f"{c.code} · {c.name}")
        for c in queries.unlinked_concepts(session, definition)]
    companies = {c.id: c for c in queries.choices(session)[0]}
    return render_template(
        "payrolls/detail.html", definition=definition, query=query,
        company=companies.get(definition.company_id),
        members=queries.members(session, definition),
        found=queries.search_employees(session, definition, query) if query else None,
        concepts=queries.linked_concepts(session, definition), concept_form=concept_form,
        kind_labels=KIND_LABELS)


@blueprint.route("/<int:definition_id>/clone", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def clone(definition_id: int) -> ResponseReturnValue:
    definition = load_definition(definition_id)
    form = CloneForm()
    if request.method == "GET":
        form.code.data = f"{definition.code}_COPY"[:40]
        form.name.data = definition.name
    if request.method == "GET" or not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("payrolls/clone.html", form=form, definition=definition), status
    try:
        with unit_of_work() as uow:
            own = uow.session.get(PayrollDefinition, definition.id)
            assert own is not None
            copy = definitions.clone_definition(
                uow.session, current_actor(), own, (form.code.data or "").strip(),
                form.name.data, with_employees=bool(form.with_employees.data))
            copy_id = copy.id
            uow.commit()
    except ServiceError as error:
        status = apply_error(error, form)
        return render_template("payrolls/clone.html", form=form, definition=definition), status
    flash(_("Payroll definition %(code)s copied to %(copy)s.", code=definition.code,
            copy=form.code.data), "success")
    return redirect(url_for("payrolls.detail", definition_id=copy_id))
