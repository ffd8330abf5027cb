"""Forms of the payroll definition pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from coati_payroll.web.concepts.fields import IntegerText


class DefinitionForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    company_id = SelectField(_l("Company"), coerce=str)
    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("required")), Length(max=40, message=_l("at most 40 characters"))])
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("required")),
        Length(max=200, message=_l("at most 200 characters"))])
    payroll_type_id = SelectField(_l("Payroll type"), coerce=str)
    currency_code = SelectField(_l("Currency"), coerce=str)


class CloneForm(FlaskForm):  # type: ignore[misc]
    code = StringField(_l("Code of the copy"), validators=[
        DataRequired(message=_l("required")), Length(max=40, message=_l("at most 40 characters"))])
    name = StringField(_l("Name of the copy"), validators=[
        DataRequired(message=_l("required")),
        Length(max=200, message=_l("at most 200 characters"))])
    with_employees = BooleanField(_l("Copy the employees too"))


class AddConceptForm(FlaskForm):  # type: ignore[misc]
    concept_id = SelectField(_l("Concept"), coerce=str)
    priority_override = IntegerText(_l("Priority override (deductions only, optional)"))


class PriorityForm(FlaskForm):  # type: ignore[misc]
    priority_override = IntegerText(_l("Priority override"))
