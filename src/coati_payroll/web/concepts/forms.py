"""Forms of the concept pages. Labels and messages are lazy: translated when rendered."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from coati_payroll.core.model import ConceptKind, ShortfallPolicy
from coati_payroll.web.concepts.fields import DateText, DecimalText, IntegerText

KIND_LABELS: dict[str, Any] = {
    ConceptKind.EARNING.value: _l("Earning"),
    ConceptKind.DEDUCTION.value: _l("Deduction"),
    ConceptKind.EMPLOYER.value: _l("Employer contribution"),
}
SHORTFALL_LABELS: dict[str, Any] = {
    ShortfallPolicy.PARTIAL.value: _l("Take what fits (the rest is a shortfall notice)"),
    ShortfallPolicy.SKIP.value: _l("Take nothing (the whole amount is a shortfall notice)"),
}

FIELD_LABELS: dict[str, Any] = {
    "effective_from": _l("Effective from"), "formula": _l("Formula"),
    "condition": _l("Condition"), "priority": _l("Priority"), "cap": _l("Cap"),
    "floor": _l("Floor"), "shortfall": _l("When the deduction does not fit in net pay"),
    "loan": _l("Repays loans (loan deduction)"), "tags": _l("Tags"),
    "debit_account": _l("Debit account"), "credit_account": _l("Credit account"),
    "note": _l("Note"),
}


class ConceptForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("required")), Length(max=40, message=_l("at most 40 characters"))])
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("required")),
        Length(max=200, message=_l("at most 200 characters"))])
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()))
    effective_from = DateText(_l("Effective from"), required=True)
    formula = TextAreaField(_l("Formula"), validators=[
        DataRequired(message=_l("required")),
        Length(max=4000, message=_l("at most 4000 characters"))])
    condition = TextAreaField(_l("Condition (optional)"), validators=[
        Length(max=4000, message=_l("at most 4000 characters"))])
    priority = IntegerText(_l("Priority"))
    floor = DecimalText(_l("Floor"))
    cap = DecimalText(_l("Cap"))
    shortfall = SelectField(_l("When the deduction does not fit in net pay"),
                            choices=list(SHORTFALL_LABELS.items()))
    loan = BooleanField(_l("Repays loans (loan deduction)"))
    tags = StringField(_l("Tags"))
    debit_account = StringField(_l("Debit account"), validators=[
        Length(max=64, message=_l("at most 64 characters"))])
    credit_account = StringField(_l("Credit account"), validators=[
        Length(max=64, message=_l("at most 64 characters"))])
    note = TextAreaField(_l("Note"), validators=[
        Length(max=2000, message=_l("at most 2000 characters"))])


class TestCaseForm(FlaskForm):  # type: ignore[misc]
    __test__ = False  # not a pytest class

    name = StringField(_l("Case name"), validators=[
        DataRequired(message=_l("required")),
        Length(max=100, message=_l("at most 100 characters"))])
    inputs = TextAreaField(_l("Values (one per line: name = value)"))
    expected = DecimalText(_l("Expected amount"), required=True)


class RejectForm(FlaskForm):  # type: ignore[misc]
    reason = StringField(_l("Reason"), validators=[
        Length(max=500, message=_l("at most 500 characters"))])


def parse_inputs(text: str | None) -> tuple[dict[str, str], list[str]]:
    """``name = value`` lines → ({name: value}, [problems naming the line])."""
    values: dict[str, str] = {}
    problems: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            problems.append(str(_l("line %(line)s: write name = value", line=number)))
            continue
        values[name.strip()] = value.strip()
    return values, problems


def format_inputs(values: dict[str, Any]) -> str:
    return "\n".join(f"{name} = {value}" for name, value in values.items())
