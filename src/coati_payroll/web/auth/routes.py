"""Sign-in, sign-out, changing one's own password and choosing the language."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coati_payroll.services import users
from coati_payroll.services.errors import ServiceError
from coati_payroll.web.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from coati_payroll.web.errors import apply_service_error
from coati_payroll.web.extensions import state, unit_of_work
from coati_payroll.web.security import (
    SIGNED_IN,
    current_actor,
    current_user,
    feature_blueprint,
    login_user,
    logout_user,
    public,
    refresh_login,
    safe_next_url,
)

blueprint = feature_blueprint("auth", __name__, policy=SIGNED_IN, url_prefix="/auth")


def _client_ip() -> str:
    # With TRUSTED_PROXY_HOPS set, ProxyFix has already put the client's address here.
    return request.remote_addr or "unknown"


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    home = url_for("dashboard.index")
    if current_user() is not None:
        return redirect(home)
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.errors else 200
    throttle = state().throttle
    ip, username = _client_ip(), form.username.data or ""
    if throttle.blocked(ip, username):
        flash(_("Too many failed sign-in attempts. Please wait a minute and try again."),
              "error")
        return render_template("auth/login.html", form=form), 429, {
            "Retry-After": str(throttle.window)}
    with unit_of_work() as uow:
        user = users.authenticate(uow.session, username, form.password.data or "")
        uow.commit()
    if user is None:
        throttle.failed(ip, username)
        flash(_("Invalid username or password."), "error")
        return render_template("auth/login.html", form=form), 200
    throttle.succeeded(ip, username)
    login_user(user)
    return redirect(safe_next_url(form.next.data, home))


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/password", methods=["GET", "POST"])
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("auth/change_password.html", form=form), status
    actor = current_actor()
    try:
        with unit_of_work() as uow:
            user = users.find_user(uow.session, actor.username)
            users.change_own_password(uow.session, actor, user, form.current_password.data or "",
                                      form.new_password.data or "")
            uow.commit()
    except ServiceError as error:
        status = apply_service_error(error, form)
        return render_template("auth/change_password.html", form=form), status
    refresh_login(user)
    flash(_("Your password has been changed."), "success")
    return redirect(url_for("dashboard.index"))


@blueprint.post("/language")
@public
def set_language() -> ResponseReturnValue:
    form = LanguageForm()
    back = safe_next_url(form.next.data, url_for("dashboard.index"))
    if not form.validate_on_submit():
        return redirect(back)
    language = form.language.data
    session["language"] = language
    user = current_user()
    if user is not None:
        try:
            with unit_of_work() as uow:
                own = users.find_user(uow.session, user.username)
                users.update_user(uow.session, current_actor(), own, role=own.role,
                                  email=own.email, language=language)
                uow.commit()
        except ServiceError as error:
            apply_service_error(error)
    return redirect(back)
