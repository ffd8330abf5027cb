"""Payroll types: list, create, edit, activate/deactivate."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coati_payroll.db.models import InputDefinition, PayrollType
from coati_payroll.services import definitions
from coati_payroll.services.errors import ServiceError
from coati_payroll.web.concepts.fields import set_data
from coati_payroll.web.concepts.texts import apply_error
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.payroll_types.forms import (
    CONVERSION_LABELS,
    HINTS,
    INPUT_FIELDS,
    MONTHS,
    PERIODICITY_LABELS,
    PRORATION_LABELS,
    PayrollTypeForm,
)
from coati_payroll.web.security import (
    DEFAULT_POLICY,
    EDITORS,
    current_actor,
    feature_blueprint,
    policy,
)

blueprint = feature_blueprint("payroll_types", __name__, policy=DEFAULT_POLICY,
                              url_prefix="/payroll-types")

_DECIMALS = ("divisor", "days_per_month", "hours_per_day")


def _load(type_id: int) -> PayrollType:
    payroll_type = db_session().get(PayrollType, type_id)
    if payroll_type is None:
        abort(404)
    return payroll_type


@blueprint.context_processor
def _helpers() -> dict[str, object]:
    return {"periodicity_labels": PERIODICITY_LABELS, "conversion_labels": CONVERSION_LABELS,
            "proration_labels": PRORATION_LABELS, "months": dict(MONTHS), "hints": HINTS}


@blueprint.get("/")
def index() -> ResponseReturnValue:
    types = db_session().scalars(sa.select(PayrollType).order_by(PayrollType.code)).all()
    return render_template("payroll_types/index.html", types=types)


def _form() -> PayrollTypeForm:
    form = PayrollTypeForm()
    codes = db_session().scalars(sa.select(InputDefinition).where(
        InputDefinition.active.is_(True)).order_by(InputDefinition.code)).all()
    form.set_inputs([(d.code, f"{d.code} · {d.name}") for d in codes])
    return form


def _data(form: PayrollTypeForm) -> definitions.PayrollTypeData:
    return definitions.PayrollTypeData(
        code=(form.code.data or "").strip(), name=form.name.data or "",
        periodicity=form.periodicity.data, conversion=form.conversion.data or None,
        divisor=form.divisor.value, periods_per_year=form.periods_per_year.value,
        proration=form.proration.data, days_per_month=form.days_per_month.value,
        hours_per_day=form.hours_per_day.value,
        fiscal_year_start_month=int(form.fiscal_year_start_month.data or 1),
        **{name: form[name].data or None for name in INPUT_FIELDS})


def _save(form: PayrollTypeForm, payroll_type: PayrollType | None) -> ResponseReturnValue:
    if payroll_type is not None:
        form.code.data = payroll_type.code
    if request.method == "GET" or not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("payroll_types/form.html", form=form,
                               payroll_type=payroll_type), status
    try:
        with unit_of_work() as uow:
            if payroll_type is None:
                saved = definitions.create_payroll_type(uow.session, current_actor(),
                                                        _data(form))
            else:
                own = uow.session.get(PayrollType, payroll_type.id)
                assert own is not None
                saved = definitions.update_payroll_type(uow.session, current_actor(), own,
                                                        _data(form))
            code = saved.code
            uow.commit()
    except ServiceError as error:
        status = apply_error(error, form)
        return render_template("payroll_types/form.html", form=form,
                               payroll_type=payroll_type), status
    flash(_("Payroll type %(code)s saved.", code=code), "success")
    return redirect(url_for("payroll_types.index"))


@blueprint.route("/new", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def new() -> ResponseReturnValue:
    return _save(_form(), None)


@blueprint.route("/<int:type_id>/edit", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def edit(type_id: int) -> ResponseReturnValue:
    payroll_type = _load(type_id)
    form = _form()
    if request.method == "GET":
        for name in ("name", "periodicity", "periods_per_year", *_DECIMALS, *INPUT_FIELDS):
            set_data(form[name], getattr(payroll_type, name))
        form.periodicity.data = payroll_type.periodicity.value
        form.conversion.data = payroll_type.conversion.value if payroll_type.conversion else ""
        form.proration.data = payroll_type.proration.value
        form.fiscal_year_start_month.data = str(payroll_type.fiscal_year_start_month)
        for name in INPUT_FIELDS:
            form[name].data = getattr(payroll_type, name) or ""
    return _save(form, payroll_type)


@blueprint.post("/<int:type_id>/active")
def set_active(type_id: int) -> ResponseReturnValue:
    payroll_type = _load(type_id)
    active = not payroll_type.active
    try:
        with unit_of_work() as uow:
            own = uow.session.get(PayrollType, payroll_type.id)
            assert own is not None
            definitions.set_payroll_type_active(uow.session, current_actor(), own, active)
            uow.commit()
    except ServiceError as error:
        apply_error(error)
    else:
        flash(_("Payroll type %(code)s activated.", code=payroll_type.code) if active else
              _("Payroll type %(code)s deactivated.", code=payroll_type.code), "success")
    return redirect(url_for("payroll_types.index"))
