"""The company form. Labels and messages are lazy: translated when rendered."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from coati_payroll.core.setup_check import CODE_PATTERN
from coati_payroll.services.companies import CompanyData

CODE_MESSAGE = _l("Use 1-40 letters, digits or _, starting with a letter.")


class CompanyForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("Enter a code.")),
        Length(max=40, message=CODE_MESSAGE), Regexp(CODE_PATTERN, message=CODE_MESSAGE)])
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Enter a name.")),
        Length(max=200, message=_l("At most %(max)d characters."))])
    legal_name = StringField(_l("Legal name"), validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters."))])
    tax_id = StringField(_l("Tax id"), validators=[
        Optional(), Length(max=64, message=_l("At most %(max)d characters."))])

    def to_data(self) -> CompanyData:
        return CompanyData(code=(self.code.data or "").strip(), name=self.name.data or "",
                           legal_name=self.legal_name.data or None,
                           tax_id=self.tax_id.data or None)
