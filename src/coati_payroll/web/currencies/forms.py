"""Forms of the currency and exchange-rate pages. Labels and messages are lazy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from coati_payroll.services.currencies import CURRENCY_CODE, CurrencyData, RateRow
from coati_payroll.web.currencies.fields import AmountField, upload_format

ROUNDING_LABELS = {
    "HALF_UP": _l("Half up (0.5 rounds away from zero)"),
    "HALF_EVEN": _l("Half even (0.5 rounds to the even digit)"),
    "HALF_DOWN": _l("Half down (0.5 rounds toward zero)"),
    "UP": _l("Up (away from zero)"),
    "DOWN": _l("Down (toward zero, truncate)"),
    "CEILING": _l("Ceiling (toward +∞)"),
    "FLOOR": _l("Floor (toward −∞)"),
}


class CurrencyForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("Enter a code.")),
        Regexp(CURRENCY_CODE, message=_l("Use 2-10 upper-case letters or digits, starting "
                                         "with a letter (ISO codes: USD, EUR, NIO …)."))])
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Enter a name.")),
        Length(max=100, message=_l("At most %(max)d characters."))])
    symbol = StringField(_l("Symbol"), validators=[
        Optional(), Length(max=10, message=_l("At most %(max)d characters."))])
    minor_unit = AmountField(_l("Minor unit"), default="0.01", validators=[
        InputRequired(message=_l("Enter the minor unit, e.g. 0.01."))])
    rounding_mode = SelectField(_l("Rounding"), default="HALF_UP",
                                choices=list(ROUNDING_LABELS.items()))

    def to_data(self) -> CurrencyData:
        assert self.minor_unit.amount is not None
        return CurrencyData(code=(self.code.data or "").strip(), name=self.name.data or "",
                            symbol=(self.symbol.data or "").strip() or None,
                            minor_unit=self.minor_unit.amount,
                            rounding_mode=self.rounding_mode.data)


class RateForm(FlaskForm):  # type: ignore[misc]
    from_code = SelectField(_l("From currency"), choices=[], validate_choice=False,
                            validators=[DataRequired(message=_l("Choose a currency."))])
    to_code = SelectField(_l("To currency"), choices=[], validate_choice=False,
                          validators=[DataRequired(message=_l("Choose a currency."))])
    effective_date = DateField(_l("Effective from"), validators=[
        InputRequired(message=_l("Enter a date."))])
    rate = AmountField(_l("Exchange rate"), validators=[
        InputRequired(message=_l("Enter the rate."))])

    def to_row(self) -> RateRow:
        assert self.rate.amount is not None
        return RateRow(from_code=self.from_code.data, to_code=self.to_code.data,
                       effective_date=self.effective_date.data, rate=self.rate.amount)


class ImportForm(FlaskForm):  # type: ignore[misc]
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file."))])

    def validate_file(self, field: FileField) -> None:
        upload_format(getattr(field.data, "filename", None))
