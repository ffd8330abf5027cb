"""Company pages: the list, the form (new/edit), activate/deactivate and delete."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coati_payroll.db.models import Role
from coati_payroll.services import companies
from coati_payroll.services.errors import NotFound, ServiceError
from coati_payroll.web.companies.forms import CompanyForm
from coati_payroll.web.employees.service_texts import localized
from coati_payroll.web.errors import apply_service_error
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.security import DEFAULT_POLICY, current_actor, feature_blueprint, requires

blueprint = feature_blueprint("companies", __name__, policy=DEFAULT_POLICY,
                              url_prefix="/companies")


@blueprint.get("/")
def index() -> ResponseReturnValue:
    return render_template("companies/index.html",
                           companies=companies.list_companies(db_session()))


@blueprint.route("/new", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.HR)
def new() -> ResponseReturnValue:
    form = CompanyForm()
    if not form.validate_on_submit():
        return render_template("companies/form.html", form=form, company=None), (
            422 if form.errors else 200)
    try:
        with unit_of_work() as uow:
            company = companies.create_company(uow.session, current_actor(), form.to_data())
            uow.commit()
    except ServiceError as error:
        status = apply_service_error(localized(error), form)
        return render_template("companies/form.html", form=form, company=None), status
    flash(_("Company %(code)s created.", code=company.code), "success")
    return redirect(url_for("companies.index"))


@blueprint.route("/<code>/edit", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.HR)
def edit(code: str) -> ResponseReturnValue:
    company = companies.get_company(db_session(), code)
    form = CompanyForm(obj=company)
    form.code.data = company.code  # the code never changes (the field is read-only)
    if not form.validate_on_submit():
        return render_template("companies/form.html", form=form, company=company), (
            422 if form.errors else 200)
    try:
        with unit_of_work() as uow:
            target = companies.get_company(uow.session, code)
            companies.update_company(uow.session, current_actor(), target, form.to_data())
            uow.commit()
    except ServiceError as error:
        status = apply_service_error(localized(error), form)
        return render_template("companies/form.html", form=form, company=company), status
    flash(_("Company %(code)s saved.", code=code), "success")
    return redirect(url_for("companies.index"))


def _set_active(code: str, active: bool) -> ResponseReturnValue:
    try:
        with unit_of_work() as uow:
            company = companies.get_company(uow.session, code)
            companies.set_company_active(uow.session, current_actor(), company, active)
            uow.commit()
    except ServiceError as error:
        if isinstance(error, NotFound):
            raise
        apply_service_error(localized(error))
        return redirect(url_for("companies.index"))
    flash(_("Company %(code)s activated.", code=code) if active else
          _("Company %(code)s deactivated.", code=code), "success")
    return redirect(url_for("companies.index"))


@blueprint.post("/<code>/activate")
def activate(code: str) -> ResponseReturnValue:
    return _set_active(code, True)


@blueprint.post("/<code>/deactivate")
def deactivate(code: str) -> ResponseReturnValue:
    return _set_active(code, False)


@blueprint.post("/<code>/delete")
def delete(code: str) -> ResponseReturnValue:
    try:
        with unit_of_work() as uow:
            company = companies.get_company(uow.session, code)
            companies.delete_company(uow.session, current_actor(), company)
            uow.commit()
    except ServiceError as error:
        if isinstance(error, NotFound):
            raise
        apply_service_error(localized(error))
        return redirect(url_for("companies.index"))
    flash(_("Company %(code)s deleted.", code=code), "success")
    return redirect(url_for("companies.index"))
