"""Forms of the sign-in pages. Labels and messages are lazy: translated when rendered."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length

from coati_payroll.web.i18n import LANGUAGES

#: Longer passwords are refused before hashing (the service refuses them too).
MAX_PASSWORD_LENGTH = 1024


class LoginForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    username = StringField(_l("Username"), validators=[
        DataRequired(message=_l("Enter your username.")), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH)])
    next = HiddenField()


class ChangePasswordForm(FlaskForm):  # type: ignore[misc]
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password."))])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(message=_l("Enter a new password.")),
        Length(max=MAX_PASSWORD_LENGTH)])
    confirm_password = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(message=_l("Repeat the new password.")),
        EqualTo("new_password", message=_l("The two new passwords differ."))])


class LanguageForm(FlaskForm):  # type: ignore[misc]
    language = StringField(_l("Language"), validators=[AnyOf(list(LANGUAGES))])
    next = HiddenField()
