"""Loan pages: list, create (with a schedule preview), detail (schedule, balance history),
extra payment and forgiveness."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from coati_payroll.core import amortization
from coati_payroll.core.amortization import ScheduleError
from coati_payroll.db import models as m
from coati_payroll.services import loans
from coati_payroll.services.errors import InvalidInput, NotFound, ServiceError
from coati_payroll.web.errors import apply_service_error
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.loans import queries
from coati_payroll.web.loans.forms import ExtraPaymentForm, ForgiveForm, LoanForm
from coati_payroll.web.security import DEFAULT_POLICY, current_actor, feature_blueprint

blueprint = feature_blueprint("loans", __name__, policy=DEFAULT_POLICY, url_prefix="/loans")

PER_PAGE = 50


@blueprint.get("/")
def index() -> ResponseReturnValue:
    status = request.args.get("status") or ""
    employee = (request.args.get("employee") or "").strip()[:100]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = queries.list_loans(db_session(), status=status or None, employee=employee,
                                     page=page, per_page=PER_PAGE)
    return render_template("loans/index.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), status=status,
                           employee=employee, statuses=[s.value for s in m.LoanStatus])


def _loan_form() -> LoanForm:
    form = LoanForm()
    options = queries.choices(db_session())
    form.company.choices = options["company"]
    form.concept_code.choices = [("", "—"), *options["concept"]]
    form.currency_code.choices = [("", "—"), *options["currency"]]
    if request.method == "GET" and len(options["company"]) == 1:
        form.company.data = options["company"][0][0]
    return form


def _data(form: LoanForm, employee_id: int) -> loans.LoanData:
    return loans.LoanData(
        employee_id=employee_id, concept_code=form.concept_code.data or "",
        principal=form.principal.data, installments=form.installments.data,
        start_date=form.start_date.data, kind=form.kind.data or "loan",
        interest_method=form.interest_method.data or "none",
        annual_rate=form.annual_rate.data, currency_code=form.currency_code.data or None,
        periods_per_year=form.periods_per_year.data, note=(form.note.data or "").strip() or None)


def _preview(form: LoanForm) -> tuple[amortization.ScheduleRow, ...]:
    try:
        return amortization.amortization_schedule(
            form.principal.data, form.installments.data, form.interest_method.data or "none",
            form.annual_rate.data, periods_per_year=form.periods_per_year.data,
            rounding=queries.rounding(db_session(), form.currency_code.data or None))
    except ScheduleError as error:
        form.principal.errors = [*form.principal.errors, str(error)]
        return ()


@blueprint.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    form = _loan_form()

    def page(status: int, schedule: Any = ()) -> ResponseReturnValue:
        return render_template("loans/new.html", form=form, schedule=schedule,
                               currency=form.currency_code.data or None), status

    if not form.validate_on_submit():
        return page(422 if form.errors else 200)
    employee_id = queries.employee_id(db_session(), form.company.data, form.employee.data or "")
    if employee_id is None:
        form.employee.errors = [_("No employee with this code in the company.")]
        return page(422)
    if "preview" in request.form:
        schedule = _preview(form)
        return page(422 if form.principal.errors else 200, schedule)
    try:
        with unit_of_work() as uow:
            loan = loans.create_loan(uow.session, current_actor(), _data(form, employee_id))
            loan_id = loan.id
            uow.commit()
    except ServiceError as error:
        return page(apply_service_error(error, form))
    flash(_("Loan %(id)s created.", id=loan_id), "success")
    return redirect(url_for("loans.detail", loan_id=loan_id))


def _loan(session: Session, loan_id: int) -> m.Loan:
    loan = session.get(m.Loan, loan_id)
    if loan is None:
        raise NotFound(f"loan {loan_id} does not exist")
    return loan


def _detail(loan_id: int, extra: ExtraPaymentForm | None = None,
            forgive: ForgiveForm | None = None, status: int = 200) -> ResponseReturnValue:
    session = db_session()
    loan = _loan(session, loan_id)
    employee = session.get(m.Employee, loan.employee_id)
    try:
        schedule = loans.schedule(session, loan)
    except ScheduleError:
        schedule = ()
    return render_template(
        "loans/detail.html", loan=loan, employee=employee, schedule=schedule,
        history=loans.balance_history(loan), extra_form=extra or ExtraPaymentForm(prefix="extra"),
        forgive_form=forgive or ForgiveForm(prefix="forgive"),
        currency=loan.currency_code), status


@blueprint.get("/<int:loan_id>")
def detail(loan_id: int) -> ResponseReturnValue:
    return _detail(loan_id)


def _change(loan_id: int, form: Any, call: Any, done: str, which: str) -> ResponseReturnValue:
    _loan(db_session(), loan_id)
    if not form.validate_on_submit():
        return _detail(loan_id, **{which: form}, status=422)
    try:
        with unit_of_work() as uow:
            call(uow.session, _loan(uow.session, loan_id))
            uow.commit()
    except InvalidInput as error:
        if "date" in error.problems:
            error.problems["day"] = error.problems.pop("date")
        return _detail(loan_id, **{which: form}, status=apply_service_error(error, form))
    except ServiceError as error:
        return _detail(loan_id, status=apply_service_error(error))
    flash(done, "success")
    return redirect(url_for("loans.detail", loan_id=loan_id))


@blueprint.post("/<int:loan_id>/extra-payment")
def extra_payment(loan_id: int) -> ResponseReturnValue:
    form = ExtraPaymentForm(prefix="extra")

    def call(session: Any, loan: m.Loan) -> None:
        loans.extra_payment(session, current_actor(), loan, form.amount.data, form.day.data,
                            reduce="amount" if form.reduce.data == "amount" else "count",
                            note=(form.note.data or "").strip() or None)

    return _change(loan_id, form, call, _("Extra payment recorded."), "extra")


@blueprint.post("/<int:loan_id>/forgive")
def forgive(loan_id: int) -> ResponseReturnValue:
    form = ForgiveForm(prefix="forgive")

    def call(session: Any, loan: m.Loan) -> None:
        loans.forgive(session, current_actor(), loan, form.day.data, form.amount.data,
                      note=(form.note.data or "").strip() or None)

    return _change(loan_id, form, call, _("Forgiveness recorded."), "forgive")
