"""Inputs (novelty types): list, create, edit, activate/deactivate."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coati_payroll.db.models import InputDefinition
from coati_payroll.services import inputs
from coati_payroll.services.errors import ServiceError
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.inputs.forms import HINTS, InputForm
from coati_payroll.web.inputs.texts import apply_error, exact
from coati_payroll.web.security import (
    DEFAULT_POLICY,
    EDITORS,
    current_actor,
    feature_blueprint,
    policy,
)

blueprint = feature_blueprint("inputs", __name__, policy=DEFAULT_POLICY, url_prefix="/inputs")


def _load(input_id: int) -> InputDefinition:
    definition = inputs.get_input(db_session(), input_id)
    if definition is None:
        abort(404)
    return definition


@blueprint.context_processor
def _helpers() -> dict[str, object]:
    return {"hints": HINTS, "exact": exact}


@blueprint.get("/")
def index() -> ResponseReturnValue:
    return render_template("inputs/index.html", inputs=inputs.list_inputs(db_session()))


def _data(form: InputForm) -> inputs.InputData:
    return inputs.InputData(code=(form.code.data or "").strip(), name=form.name.data or "",
                            default=form.default.value)


def _save(form: InputForm, definition: InputDefinition | None) -> ResponseReturnValue:
    if definition is not None:
        form.code.data = definition.code
    if request.method == "GET" or not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("inputs/form.html", form=form, definition=definition), status
    try:
        with unit_of_work() as uow:
            if definition is None:
                saved = inputs.create_input(uow.session, current_actor(), _data(form))
            else:
                own = uow.session.get(InputDefinition, definition.id)
                assert own is not None
                saved = inputs.update_input(uow.session, current_actor(), own, _data(form))
            code = saved.code
            uow.commit()
    except ServiceError as error:
        status = apply_error(error, form)
        return render_template("inputs/form.html", form=form, definition=definition), status
    flash(_("Input %(code)s saved.", code=code), "success")
    return redirect(url_for("inputs.index"))


@blueprint.route("/new", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def new() -> ResponseReturnValue:
    return _save(InputForm(), None)


@blueprint.route("/<int:input_id>/edit", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def edit(input_id: int) -> ResponseReturnValue:
    definition = _load(input_id)
    form = InputForm()
    if request.method == "GET":
        form.name.data = definition.name
        form.default.set(exact(definition.default))
    return _save(form, definition)


@blueprint.post("/<int:input_id>/active")
def set_active(input_id: int) -> ResponseReturnValue:
    definition = _load(input_id)
    active = not definition.active
    try:
        with unit_of_work() as uow:
            own = uow.session.get(InputDefinition, definition.id)
            assert own is not None
            inputs.set_input_active(uow.session, current_actor(), own, active)
            uow.commit()
    except ServiceError as error:
        apply_error(error)
    else:
        flash(_("Input %(code)s activated.", code=definition.code) if active else
              _("Input %(code)s deactivated.", code=definition.code), "success")
    return redirect(url_for("inputs.index"))
