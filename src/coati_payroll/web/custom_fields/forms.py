"""The custom field form. Labels and messages are lazy: translated when rendered."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from coati_payroll.core.model import FieldType
from coati_payroll.core.setup_check import CODE_PATTERN
from coati_payroll.services.custom_fields import CustomFieldData

CODE_MESSAGE = _l("Use 1-40 letters, digits or _, starting with a letter.")
TYPE_LABELS = {
    FieldType.NUMBER.value: _l("Number"),
    FieldType.TEXT.value: _l("Text"),
    FieldType.DATE.value: _l("Date"),
    FieldType.BOOLEAN.value: _l("Yes/no"),
}


class CustomFieldForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("Enter a code.")),
        Length(max=40, message=CODE_MESSAGE), Regexp(CODE_PATTERN, message=CODE_MESSAGE)])
    label = StringField(_l("Label"), validators=[
        DataRequired(message=_l("Enter a label.")),
        Length(max=100, message=_l("At most %(max)d characters."))])
    type = SelectField(_l("Type"), choices=list(TYPE_LABELS.items()),
                       default=FieldType.TEXT.value)
    default = StringField(_l("Default value"), validators=[
        Optional(), Length(max=500, message=_l("At most %(max)d characters."))])
    position = IntegerField(_l("Position"), default=0, validators=[
        Optional(), NumberRange(min=0, max=9999, message=_l("A whole number from 0 to 9999."))])

    def to_data(self) -> CustomFieldData:
        default = (self.default.data or "").strip()
        return CustomFieldData(code=(self.code.data or "").strip(),
                               label=self.label.data or "", type=self.type.data,
                               default=default or None, position=self.position.data or 0)
