"""Employee pages: the list (search, filters, keyset pages), the detail page with the salary
history and the raise form, the create/edit form, activate and deactivate."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from coati_payroll.db.models import Company, Employee, Role
from coati_payroll.services import companies, currencies, employees
from coati_payroll.services.employee_queries import Cursor, EmployeeFilter, search_employees
from coati_payroll.services.errors import ServiceError
from coati_payroll.web.currencies.fields import AMOUNT_HINT
from coati_payroll.web.employees.forms import (
    CUSTOM_PREFIX,
    PAY_BASIS_LABELS,
    YES_NO,
    EmployeeForm,
    SalaryForm,
    employee_form,
)
from coati_payroll.web.employees.service_texts import localized
from coati_payroll.web.errors import apply_service_error
from coati_payroll.web.extensions import db_session, state, unit_of_work
from coati_payroll.web.security import DEFAULT_POLICY, current_actor, feature_blueprint, requires

blueprint = feature_blueprint("employees", __name__, policy=DEFAULT_POLICY,
                              url_prefix="/employees")

STATUSES = ("active", "inactive", "all")
#: Service problem keys → form field names.
SERVICE_KEYS = {"effective_date": "effective_date", "currency": "currency"}


@blueprint.context_processor
def texts() -> dict[str, object]:
    return {"pay_basis_labels": PAY_BASIS_LABELS, "yes_no": YES_NO, "amount_hint": AMOUNT_HINT}


def today() -> date:
    return datetime.now(ZoneInfo(state().settings.timezone)).date()


def _employee(session: Session, employee_id: int) -> Employee:
    employee = session.get(Employee, employee_id)
    if employee is None:
        abort(404)
    return employee


def _keys(form: EmployeeForm) -> dict[str, str]:
    return {f"custom.{d.code}": CUSTOM_PREFIX + d.code for d, _field in form.custom_fields()}


# -- list ---------------------------------------------------------------------------------------


@blueprint.get("/")
def index() -> ResponseReturnValue:
    session = db_session()
    all_companies = companies.list_companies(session)
    by_code = {c.code: c for c in all_companies}
    q = request.args.get("q", "").strip()[:100]
    company = by_code.get(request.args.get("company", ""))
    status = request.args.get("status", "active")
    if status not in STATUSES:
        status = "active"
    filters = EmployeeFilter(q=q, company_id=company.id if company else None,
                             status=status)  # type: ignore[arg-type]
    page = search_employees(session, filters, after=Cursor.parse(request.args.get("after")),
                            before=Cursor.parse(request.args.get("before")))
    args: dict[str, Any] = {"q": q or None, "company": company.code if company else None,
                            "status": status}
    return render_template("employees/index.html", page=page, companies=all_companies,
                           company_codes={c.id: c.code for c in all_companies},
                           q=q, company=company, status=status, args=args,
                           filtered=bool(q or company or status != "active"),
                           paged=bool(request.args.get("after") or request.args.get("before")))


# -- detail and raises ----------------------------------------------------------------------------


def _currency_choices(session: Session) -> list[tuple[str, str]]:
    return [(c.code, f"{c.code} · {c.name}")
            for c in currencies.list_currencies(session, active_only=True)]


def _render_detail(employee: Employee, salary_form: SalaryForm,
                   status: int = 200) -> ResponseReturnValue:
    session = db_session()
    day = today()
    definitions = {d.code: d for d in employees.list_custom_fields(session)}
    return render_template(
        "employees/detail.html", employee=employee, company=employee_company(employee),
        current=employees.salary_on(employee, day), today=day,
        history=list(reversed(employee.salary_changes)), definitions=definitions,
        salary_form=salary_form), status


def employee_company(employee: Employee) -> Company | None:
    return db_session().get(Company, employee.company_id)


@blueprint.get("/<int:employee_id>")
def detail(employee_id: int) -> ResponseReturnValue:
    session = db_session()
    employee = _employee(session, employee_id)
    form = SalaryForm()
    form.currency.choices = _currency_choices(session)
    current = employees.salary_on(employee, today())
    if current is not None:
        form.currency.data = current.currency_code
    return _render_detail(employee, form)


@blueprint.post("/<int:employee_id>/salary")
def salary(employee_id: int) -> ResponseReturnValue:
    session = db_session()
    employee = _employee(session, employee_id)
    form = SalaryForm()
    form.currency.choices = _currency_choices(session)
    if not form.validate_on_submit():
        return _render_detail(employee, form, 422)
    effective, amount, currency, reason = form.values()
    try:
        with unit_of_work() as uow:
            target = _employee(uow.session, employee_id)
            employees.change_salary(uow.session, current_actor(), target, effective, amount,
                                    currency, reason)
            uow.commit()
    except ServiceError as error:
        return _render_detail(employee, form,
                              apply_service_error(localized(error, SERVICE_KEYS), form))
    flash(_("Salary change of %(code)s saved.", code=employee.code), "success")
    return redirect(url_for("employees.detail", employee_id=employee_id))


# -- create and edit ------------------------------------------------------------------------------


def _render_form(form: EmployeeForm, employee: Employee | None,
                 status: int = 200) -> ResponseReturnValue:
    return render_template("employees/form.html", form=form, employee=employee,
                           company=employee_company(employee) if employee else None), status


@blueprint.route("/new", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.HR)
def new() -> ResponseReturnValue:
    session = db_session()
    form = employee_form(employees.list_custom_fields(session, active_only=True), new=True)
    form.company_id.choices = [(c.id, f"{c.code} · {c.name}")
                               for c in companies.list_companies(session, active_only=True)]
    form.salary_currency.choices = [("", "—"), *_currency_choices(session)]
    if request.method == "GET" and request.args.get("company"):
        chosen = next((c for c in companies.list_companies(session)
                       if c.code == request.args["company"]), None)
        if chosen is not None:
            form.company_id.data = chosen.id
    if not form.validate_on_submit():
        return _render_form(form, None, 422 if form.errors else 200)
    try:
        with unit_of_work() as uow:
            employee = employees.create_employee(uow.session, current_actor(), form.to_data())
            uow.commit()
            employee_id = employee.id
    except ServiceError as error:
        return _render_form(form, None, apply_service_error(localized(error, _keys(form)), form))
    flash(_("Employee %(code)s created.", code=form.code.data), "success")
    return redirect(url_for("employees.detail", employee_id=employee_id))


@blueprint.route("/<int:employee_id>/edit", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.HR)
def edit(employee_id: int) -> ResponseReturnValue:
    session = db_session()
    employee = _employee(session, employee_id)
    form = employee_form(employees.list_custom_fields(session, active_only=True), new=False,
                         obj=employee)
    del form.company_id  # an employee never changes company (shown, not editable)
    if request.method == "GET":
        form.load_custom_values(employee)
    if not form.validate_on_submit():
        return _render_form(form, employee, 422 if form.errors else 200)
    try:
        with unit_of_work() as uow:
            target = _employee(uow.session, employee_id)
            employees.update_employee(uow.session, current_actor(), target,
                                      form.to_data(company_id=employee.company_id))
            uow.commit()
    except ServiceError as error:
        return _render_form(form, employee,
                            apply_service_error(localized(error, _keys(form)), form))
    flash(_("Employee %(code)s saved.", code=employee.code), "success")
    return redirect(url_for("employees.detail", employee_id=employee_id))


def _set_active(employee_id: int, active: bool) -> ResponseReturnValue:
    employee = _employee(db_session(), employee_id)
    try:
        with unit_of_work() as uow:
            target = _employee(uow.session, employee_id)
            employees.set_employee_active(uow.session, current_actor(), target, active)
            uow.commit()
    except ServiceError as error:
        apply_service_error(localized(error))
        return redirect(url_for("employees.detail", employee_id=employee_id))
    flash(_("Employee %(code)s activated.", code=employee.code) if active else
          _("Employee %(code)s deactivated.", code=employee.code), "success")
    return redirect(url_for("employees.detail", employee_id=employee_id))


@blueprint.post("/<int:employee_id>/activate")
def activate(employee_id: int) -> ResponseReturnValue:
    return _set_active(employee_id, True)


@blueprint.post("/<int:employee_id>/deactivate")
def deactivate(employee_id: int) -> ResponseReturnValue:
    return _set_active(employee_id, False)
