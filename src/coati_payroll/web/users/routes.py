"""User administration pages (admin only)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from coati_payroll.db.models import User
from coati_payroll.services import users
from coati_payroll.services.errors import ServiceError
from coati_payroll.web.employees.service_texts import localized
from coati_payroll.web.errors import apply_service_error
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.i18n import LANGUAGES
from coati_payroll.web.security import ADMIN_AREA, current_actor, feature_blueprint
from coati_payroll.web.users.forms import EditUserForm, NewUserForm, ResetPasswordForm

blueprint = feature_blueprint("users", __name__, policy=ADMIN_AREA, url_prefix="/users")


@blueprint.context_processor
def texts() -> dict[str, object]:
    return {"language_names": LANGUAGES}


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@blueprint.get("/")
def index() -> ResponseReturnValue:
    return render_template("users/index.html", users=users.list_users(db_session()))


@blueprint.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    form = NewUserForm()
    if not form.validate_on_submit():
        return render_template("users/form.html", form=form, user=None), (
            422 if form.errors else 200)
    try:
        with unit_of_work() as uow:
            user = users.create_user(uow.session, current_actor(), form.to_data())
            uow.commit()
            username = user.username
    except ServiceError as error:
        status = apply_service_error(localized(error), form)
        return render_template("users/form.html", form=form, user=None), status
    flash(_("User %(username)s created.", username=username), "success")
    return redirect(url_for("users.index"))


@blueprint.route("/<int:user_id>/edit", methods=["GET", "POST"])
def edit(user_id: int) -> ResponseReturnValue:
    user = _user(db_session(), user_id)
    form = EditUserForm(obj=user)
    if not form.validate_on_submit():
        return render_template("users/form.html", form=form, user=user), (
            422 if form.errors else 200)
    try:
        with unit_of_work() as uow:
            target = _user(uow.session, user_id)
            users.update_user(uow.session, current_actor(), target, role=form.role.data,
                              email=form.email.data or None, language=form.language.data)
            uow.commit()
    except ServiceError as error:
        status = apply_service_error(localized(error), form)
        return render_template("users/form.html", form=form, user=user), status
    flash(_("User %(username)s saved.", username=user.username), "success")
    return redirect(url_for("users.index"))


@blueprint.route("/<int:user_id>/password", methods=["GET", "POST"])
def password(user_id: int) -> ResponseReturnValue:
    user = _user(db_session(), user_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return render_template("users/password.html", form=form, user=user), (
            422 if form.errors else 200)
    try:
        with unit_of_work() as uow:
            target = _user(uow.session, user_id)
            users.set_password(uow.session, current_actor(), target, form.password.data or "")
            uow.commit()
    except ServiceError as error:
        status = apply_service_error(localized(error), form)
        return render_template("users/password.html", form=form, user=user), status
    flash(_("The password of %(username)s has been reset; their other sessions have ended.",
            username=user.username), "success")
    return redirect(url_for("users.index"))


def _set_active(user_id: int, active: bool) -> ResponseReturnValue:
    try:
        with unit_of_work() as uow:
            target = _user(uow.session, user_id)
            username = target.username
            users.set_user_active(uow.session, current_actor(), target, active)
            uow.commit()
    except ServiceError as error:
        apply_service_error(localized(error))
        return redirect(url_for("users.index"))
    flash(_("User %(username)s activated.", username=username) if active else
          _("User %(username)s deactivated.", username=username), "success")
    return redirect(url_for("users.index"))


@blueprint.post("/<int:user_id>/activate")
def activate(user_id: int) -> ResponseReturnValue:
    return _set_active(user_id, True)


@blueprint.post("/<int:user_id>/deactivate")
def deactivate(user_id: int) -> ResponseReturnValue:
    return _set_active(user_id, False)
