"""Forms of the user administration. Labels and messages are lazy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from coati_payroll.db.models import Role
from coati_payroll.services.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, UserData
from coati_payroll.web.employees.forms import EMAIL
from coati_payroll.web.i18n import LANGUAGES
from coati_payroll.web.security import ROLE_LABELS

USERNAME = r"^\s*[A-Za-z][A-Za-z0-9._-]{2,79}\s*$"
PASSWORD_LENGTH = _l("At least %(min)d characters.")


def _role_choices() -> list[tuple[str, object]]:
    return [(role.value, ROLE_LABELS[role]) for role in Role]


class ProfileFields(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    role = SelectField(_l("Role"), choices=_role_choices(), default=Role.HR.value)
    email = StringField(_l("E-mail"), validators=[
        Optional(), Length(max=254, message=_l("At most %(max)d characters.")),
        Regexp(EMAIL, message=_l("Enter an e-mail address such as ana@example.com."))])
    language = SelectField(_l("Language"), choices=list(LANGUAGES.items()), default="en")


class PasswordFields(FlaskForm):  # type: ignore[misc]
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Enter a password.")),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH, message=PASSWORD_LENGTH)])
    confirm_password = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(message=_l("Repeat the password.")),
        EqualTo("password", message=_l("The two passwords differ."))])


class NewUserForm(ProfileFields, PasswordFields):
    username = StringField(_l("Username"), validators=[
        DataRequired(message=_l("Enter a username.")),
        Regexp(USERNAME, message=_l("Use 3-80 letters, digits, '.', '_' or '-', starting "
                                    "with a letter."))])

    def to_data(self) -> UserData:
        return UserData(username=self.username.data or "", password=self.password.data or "",
                        role=self.role.data, email=self.email.data or None,
                        language=self.language.data)


class EditUserForm(ProfileFields):
    pass


class ResetPasswordForm(PasswordFields):
    pass
