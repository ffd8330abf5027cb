"""Custom field pages: the list, the form (new/edit), activate/deactivate and delete."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from coati_payroll.db.models import CustomFieldDefinition, Role
from coati_payroll.services import custom_fields
from coati_payroll.services.errors import ServiceError
from coati_payroll.web.custom_fields.forms import TYPE_LABELS, CustomFieldForm
from coati_payroll.web.employees.service_texts import localized
from coati_payroll.web.errors import apply_service_error
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.security import DEFAULT_POLICY, current_actor, feature_blueprint, requires

blueprint = feature_blueprint("custom_fields", __name__, policy=DEFAULT_POLICY,
                              url_prefix="/custom-fields")


@blueprint.context_processor
def texts() -> dict[str, object]:
    return {"type_labels": TYPE_LABELS}


def _field(session: Session, field_id: int) -> CustomFieldDefinition:
    definition = session.get(CustomFieldDefinition, field_id)
    if definition is None:
        abort(404)
    return definition


@blueprint.get("/")
def index() -> ResponseReturnValue:
    return render_template("custom_fields/index.html",
                           fields=custom_fields.list_custom_fields(db_session()))


@blueprint.route("/new", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.HR)
def new() -> ResponseReturnValue:
    form = CustomFieldForm()
    if not form.validate_on_submit():
        return render_template("custom_fields/form.html", form=form, field=None), (
            422 if form.errors else 200)
    try:
        with unit_of_work() as uow:
            custom_fields.create_custom_field(uow.session, current_actor(), form.to_data())
            uow.commit()
    except ServiceError as error:
        status = apply_service_error(localized(error), form)
        return render_template("custom_fields/form.html", form=form, field=None), status
    flash(_("Custom field %(code)s created.", code=form.code.data), "success")
    return redirect(url_for("custom_fields.index"))


@blueprint.route("/<int:field_id>/edit", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.HR)
def edit(field_id: int) -> ResponseReturnValue:
    definition = _field(db_session(), field_id)
    form = CustomFieldForm(obj=definition, default=definition.default_value)
    form.code.data = definition.code  # code and type never change
    form.type.data = definition.type.value
    if not form.validate_on_submit():
        return render_template("custom_fields/form.html", form=form, field=definition), (
            422 if form.errors else 200)
    try:
        with unit_of_work() as uow:
            target = _field(uow.session, field_id)
            custom_fields.update_custom_field(uow.session, current_actor(), target,
                                              form.to_data())
            uow.commit()
    except ServiceError as error:
        status = apply_service_error(localized(error), form)
        return render_template("custom_fields/form.html", form=form, field=definition), status
    flash(_("Custom field %(code)s saved.", code=definition.code), "success")
    return redirect(url_for("custom_fields.index"))


def _set_active(field_id: int, active: bool) -> ResponseReturnValue:
    with unit_of_work() as uow:
        target = _field(uow.session, field_id)
        code = target.code
        custom_fields.set_custom_field_active(uow.session, current_actor(), target, active)
        uow.commit()
    flash(_("Custom field %(code)s activated.", code=code) if active else
          _("Custom field %(code)s deactivated.", code=code), "success")
    return redirect(url_for("custom_fields.index"))


@blueprint.post("/<int:field_id>/activate")
def activate(field_id: int) -> ResponseReturnValue:
    return _set_active(field_id, True)


@blueprint.post("/<int:field_id>/deactivate")
def deactivate(field_id: int) -> ResponseReturnValue:
    return _set_active(field_id, False)


@blueprint.post("/<int:field_id>/delete")
def delete(field_id: int) -> ResponseReturnValue:
    try:
        with unit_of_work() as uow:
            target = _field(uow.session, field_id)
            code = target.code
            custom_fields.delete_custom_field(uow.session, current_actor(), target)
            uow.commit()
    except ServiceError as error:
        apply_service_error(localized(error))
        return redirect(url_for("custom_fields.index"))
    flash(_("Custom field %(code)s deleted.", code=code), "success")
    return redirect(url_for("custom_fields.index"))
