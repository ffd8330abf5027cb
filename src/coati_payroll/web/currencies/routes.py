"""Currency and exchange-rate pages: lists, forms, activation and the rate import."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coati_payroll.db.models import Role
from coati_payroll.services import currencies
from coati_payroll.services.errors import InvalidInput, NotFound, ServiceError
from coati_payroll.web.currencies.fields import AMOUNT_HINT
from coati_payroll.web.currencies.forms import ROUNDING_LABELS, CurrencyForm, ImportForm, RateForm
from coati_payroll.web.currencies.rates_file import COLUMNS, read_rates
from coati_payroll.web.employees.service_texts import localize_key, localized
from coati_payroll.web.errors import apply_service_error
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.security import DEFAULT_POLICY, current_actor, feature_blueprint, requires

blueprint = feature_blueprint("currencies", __name__, policy=DEFAULT_POLICY,
                              url_prefix="/currencies")

#: The rates page shows at most this many rates (newest first); filter by pair for more.
RATES_SHOWN = 200


@blueprint.context_processor
def texts() -> dict[str, object]:
    return {"rounding_labels": ROUNDING_LABELS, "amount_hint": AMOUNT_HINT}


@blueprint.get("/")
def index() -> ResponseReturnValue:
    return render_template("currencies/index.html",
                           currencies=currencies.list_currencies(db_session()))


def _render_form(form: CurrencyForm, currency: object, status: int = 200) -> ResponseReturnValue:
    return render_template("currencies/form.html", form=form, currency=currency), status


@blueprint.route("/new", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.HR)
def new() -> ResponseReturnValue:
    form = CurrencyForm()
    if not form.validate_on_submit():
        return _render_form(form, None, 422 if form.errors else 200)
    try:
        with unit_of_work() as uow:
            currency = currencies.create_currency(uow.session, current_actor(), form.to_data())
            uow.commit()
    except ServiceError as error:
        return _render_form(form, None, apply_service_error(localized(error), form))
    flash(_("Currency %(code)s created.", code=currency.code), "success")
    return redirect(url_for("currencies.index"))


@blueprint.route("/<code>/edit", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.HR)
def edit(code: str) -> ResponseReturnValue:
    currency = currencies.get_currency(db_session(), code)
    form = CurrencyForm(obj=currency)
    form.code.data = currency.code  # the code never changes
    if not form.validate_on_submit():
        return _render_form(form, currency, 422 if form.errors else 200)
    try:
        with unit_of_work() as uow:
            target = currencies.get_currency(uow.session, code)
            currencies.update_currency(uow.session, current_actor(), target, form.to_data())
            uow.commit()
    except ServiceError as error:
        return _render_form(form, currency, apply_service_error(localized(error), form))
    flash(_("Currency %(code)s saved.", code=code), "success")
    return redirect(url_for("currencies.index"))


def _set_active(code: str, active: bool) -> ResponseReturnValue:
    try:
        with unit_of_work() as uow:
            currency = currencies.get_currency(uow.session, code)
            currencies.set_currency_active(uow.session, current_actor(), currency, active)
            uow.commit()
    except ServiceError as error:
        if isinstance(error, NotFound):
            raise
        apply_service_error(localized(error))
        return redirect(url_for("currencies.index"))
    flash(_("Currency %(code)s activated.", code=code) if active else
          _("Currency %(code)s deactivated.", code=code), "success")
    return redirect(url_for("currencies.index"))


@blueprint.post("/<code>/activate")
def activate(code: str) -> ResponseReturnValue:
    return _set_active(code, True)


@blueprint.post("/<code>/deactivate")
def deactivate(code: str) -> ResponseReturnValue:
    return _set_active(code, False)


# -- exchange rates -----------------------------------------------------------------------------


@blueprint.get("/rates")
def rates() -> ResponseReturnValue:
    session = db_session()
    codes = [c.code for c in currencies.list_currencies(session)]
    from_code = request.args.get("from", "")
    to_code = request.args.get("to", "")
    found = currencies.list_exchange_rates(session, from_code if from_code in codes else None,
                                           to_code if to_code in codes else None)
    found.reverse()  # newest first
    return render_template("currencies/rates.html", rates=found[:RATES_SHOWN],
                           more=len(found) > RATES_SHOWN, codes=codes, from_code=from_code,
                           to_code=to_code, limit=RATES_SHOWN)


@blueprint.route("/rates/new", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.HR)
def rate_new() -> ResponseReturnValue:
    form = RateForm()
    choices = [(c.code, f"{c.code} · {c.name}")
               for c in currencies.list_currencies(db_session(), active_only=True)]
    form.from_code.choices = [("", "—"), *choices]
    form.to_code.choices = [("", "—"), *choices]
    if not form.validate_on_submit():
        return render_template("currencies/rate_form.html", form=form), (
            422 if form.errors else 200)
    try:
        with unit_of_work() as uow:
            currencies.set_exchange_rate(uow.session, current_actor(), form.to_row())
            uow.commit()
    except ServiceError as error:
        status = apply_service_error(localized(error), form)
        return render_template("currencies/rate_form.html", form=form), status
    flash(_("Exchange rate %(from_code)s → %(to_code)s saved.", from_code=form.from_code.data,
            to_code=form.to_code.data), "success")
    return redirect(url_for("currencies.rates", **{"from": form.from_code.data,
                                                   "to": form.to_code.data}))


@blueprint.route("/rates/import", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.HR)
def rates_import() -> ResponseReturnValue:
    form = ImportForm()
    problems: list[tuple[str, str]] = []
    if not form.validate_on_submit():
        return render_template("currencies/rates_import.html", form=form, problems=problems,
                               columns=COLUMNS), 422 if form.errors else 200
    upload = form.file.data
    fmt = "xlsx" if upload.filename.lower().endswith(".xlsx") else "csv"
    try:
        rows, first = read_rates(upload.read(), fmt, upload.filename)
        with unit_of_work() as uow:
            saved = currencies.import_exchange_rates(uow.session, current_actor(), rows, first)
            uow.commit()
    except ServiceError as error:
        shown = localized(error)
        flash(shown.message, "error")
        if isinstance(shown, InvalidInput):
            problems = [(localize_key(key), text) for key, text in shown.problems.items()]
        return render_template("currencies/rates_import.html", form=form, problems=problems,
                               columns=COLUMNS), 422
    flash(_("Exchange rates imported: %(count)s.", count=len(saved)), "success")
    return redirect(url_for("currencies.rates"))
