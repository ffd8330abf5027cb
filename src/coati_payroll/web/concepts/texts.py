"""Friendly, translated texts for formula errors and the problems the configuration services
report (concepts, tables, payroll types, payroll definitions).

* :func:`formula_message` — a :class:`FormulaError` in the user's language. English keeps the
  core's precise message; other languages get the text of the error's stable ``code`` with its
  parameters (name, suggestion, token, types …).
* :func:`positioned` — ``line L, column C: message`` (translated).
* :func:`problem_text` — a service problem such as ``"1-200 characters"`` or
  ``"a concept X already exists"`` in the user's language (patterns below); unknown texts are
  returned unchanged.
"""

from __future__ import annotations

import re
from typing import Any, Final

from flask import flash
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coati_payroll.core.errors import FormulaError
from coati_payroll.services.errors import InvalidInput, ServiceError
from coati_payroll.web.errors import service_error_status

_TYPES: Final[dict[str, Any]] = {
    "number": _l("a number"), "boolean": _l("a yes/no value"), "date": _l("a date"),
    "text": _l("text"),
}

_CODES: Final[dict[str, Any]] = {
    "unexpected_token": _l("%(token)s is not expected here"),
    "unexpected_end": _l("the formula ends too early: something is missing after this point"),
    "unterminated_string": _l("the text is not closed: a double quote is missing"),
    "invalid_escape": _l("only the escapes \\\" and \\\\ are allowed in text"),
    "chained_comparison": _l("comparisons cannot be chained: write a < b and b < c"),
    "unknown_name": _l("unknown name %(name)s"),
    "attribute_access": _l("a dot may only follow a namespace (input., period., …)"),
    "dunder_name": _l("names with double underscores are not allowed"),
    "unknown_function": _l("unknown function %(name)s"),
    "not_callable": _l("%(name)s is a value, not a function"),
    "unknown_table": _l("unknown table %(table)s"),
    "wrong_type": _l("the value has the wrong type"),
    "argument_count": _l("wrong number of arguments"),
    "constant_required": _l("the decimal places must be written as a constant number"),
    "too_long": _l("the formula is too long (the limit is %(limit)s characters)"),
    "too_deep": _l("the formula is nested too deeply (more than %(limit)s levels)"),
    "number_too_large": _l("the number has too many digits (the limit is %(limit)s)"),
    "too_many_arguments": _l("too many arguments in one call"),
    "places_out_of_range": _l("the decimal places must be from 0 to 10"),
    "exponent_out_of_range": _l("the exponent is out of range"),
    "division_by_zero": _l("division by zero"),
    "overflow": _l("the result is too large"),
    "invalid_operation": _l("impossible decimal operation"),
    "outside_table": _l("the value is outside every row of the table"),
    "invalid_date": _l("that date does not exist"),
    "invalid_argument": _l("invalid argument: the lower limit is above the upper limit"),
}

#: WTForms' own messages that our forms can show (WTForms looks them up in our catalog).
WTFORMS_TEXTS: Final = (_l("Not a valid choice."), _l("This field is required."))

_SUGGESTION: Final = re.compile(r"did you mean ([\w.]+)\?")
_USAGE: Final = re.compile(r"use (.+) \(\d+ given\)")


def _english() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "en"


def _type_name(value: Any) -> str:
    return str(_TYPES.get(str(value), value))


def formula_message(error: FormulaError) -> str:
    """The error's message in the user's language (without the position)."""
    template = _CODES.get(error.code)
    if _english() or template is None:
        return error.message
    params = {key: str(value) for key, value in error.params.items()}
    params.setdefault("name", "")
    params.setdefault("token", "")
    params.setdefault("table", "")
    params.setdefault("limit", "")
    if error.code == "unexpected_token" and params["token"] == "=":
        return str(_("'=' is not an operator: use '==' to compare two values"))
    if error.code == "unexpected_token" and params["token"] == "%":
        return str(_("'%' may only follow a number (7%): write x * 7% or x * rate / 100"))
    if error.code == "unexpected_end" and error.message == "the formula is empty":
        return str(_("the formula is empty"))
    text = str(template) % params
    if error.code == "wrong_type" and "expected" in error.params and "actual" in error.params:
        text = _("%(expected)s is needed here, not %(actual)s",
                 expected=_type_name(error.params["expected"]),
                 actual=_type_name(error.params["actual"]))
    if error.code == "argument_count" and (usage := _USAGE.search(error.message)):
        text = _("wrong number of arguments: use %(usage)s", usage=usage.group(1))
    if suggestion := _SUGGESTION.search(error.message):
        text += _("; did you mean %(name)s?", name=suggestion.group(1))
    return text


def positioned(error: FormulaError) -> str:
    """``line L, column C: message`` in the user's language."""
    return str(_("line %(line)s, column %(column)s: %(message)s", line=error.line,
                 column=error.column, message=formula_message(error)))


def error_payload(error: FormulaError, source: str) -> dict[str, Any]:
    """What the formula editor needs to show an error with a caret under its position."""
    lines = source.split("\n")
    line_text = lines[error.line - 1] if 0 < error.line <= len(lines) else ""
    prefix = re.sub(r"[^\t]", " ", line_text[:max(error.column - 1, 0)])
    return {"message": formula_message(error), "text": positioned(error), "code": error.code,
            "line": error.line, "column": error.column, "position": error.position,
            "line_text": line_text, "caret": prefix + "^"}


# -- service problems --------------------------------------------------------------------------

_PROBLEMS: Final[tuple[tuple[re.Pattern[str], Any], ...]] = tuple(
    (re.compile(pattern), text) for pattern, text in (
        (r"^required$", _l("required")),
        (r"^1-40 letters, digits or _, starting with a letter$",
         _l("1-40 letters, digits or _, starting with a letter")),
        (r"^1-200 characters$", _l("1-200 characters")),
        (r"^1-100 characters$", _l("1-100 characters")),
        (r"^at most (?P<limit>\d+) characters$", _l("at most %(limit)s characters")),
        (r"^a whole number$", _l("a whole number")),
        (r"^a whole number greater than 0$", _l("a whole number greater than 0")),
        (r"^must be greater than 0$", _l("must be greater than 0")),
        (r"^must not be negative$", _l("must not be negative")),
        (r"^1 to 12$", _l("1 to 12")),
        (r"^one of (?P<values>.+)$", _l("one of %(values)s")),
        (r"^(?P<code>\S+) is a reserved name$", _l("%(code)s is a reserved name")),
        (r"^a concept (?P<code>\S+) already exists$", _l("a concept %(code)s already exists")),
        (r"^a payroll type (?P<code>\S+) already exists$",
         _l("a payroll type %(code)s already exists")),
        (r"^the company already has a payroll (?P<code>\S+)$",
         _l("the company already has a payroll %(code)s")),
        (r"^the code of a concept cannot change$", _l("the code of a concept cannot change")),
        (r"^the kind of a concept cannot change$", _l("the kind of a concept cannot change")),
        (r"^the code of a payroll type cannot change$",
         _l("the code of a payroll type cannot change")),
        (r"^only a deduction can repay loans$", _l("only a deduction can repay loans")),
        (r"^below the floor (?P<floor>\S+)$", _l("below the floor %(floor)s")),
        (r"^not valid tag codes: (?P<tags>.+)$", _l("not valid tag codes: %(tags)s")),
        (r"^a (?P<kind>earning|deduction) cannot read (?P<names>.+) \(they are computed "
         r"after it\)$", _l("this concept cannot read %(names)s: they are computed after it")),
        (r"^no active input (?P<code>\S+)$", _l("no active input %(code)s")),
        (r"^no active company (?P<code>\S+)$", _l("no active company %(code)s")),
        (r"^no active payroll type (?P<code>\S+)$", _l("no active payroll type %(code)s")),
        (r"^no active currency (?P<code>\S+)$", _l("no active currency %(code)s")),
        (r"^unknown name$", _l("unknown name")),
        (r"^only deductions have a priority$", _l("only deductions have a priority")),
        (r"^code and effective date of a version cannot change$",
         _l("code and effective date of a version cannot change")),
        (r"^table (?P<code>\S+) already has a version from (?P<day>\S+)$",
         _l("table %(code)s already has a version from %(day)s")),
        (r"^a table needs at least one row$", _l("a table needs at least one row")),
        (r"^row \d+: upper (?P<upper>\S+) must be above lower (?P<lower>\S+)$",
         _l("upper %(upper)s must be above lower %(lower)s")),
        (r"^row \d+: only the last row may be open-ended$",
         _l("only the last row may be open-ended")),
        (r"^(?P<value>.+) has more than (?P<scale>\d+) decimal places.*$",
         _l("%(value)s has more than %(scale)s decimal places")),
        (r"^(?P<value>.+) is too large for .*$", _l("%(value)s is too large")),
        (r"^'(?P<value>.*)' is not a number$", _l("%(value)s is not a number")),
        (r"^'(?P<value>.*)' is not a date \(YYYY-MM-DD\)$",
         _l("%(value)s is not a date (YYYY-MM-DD)")),
        (r"^'(?P<value>.*)' is not yes/no \(true or false\)$",
         _l("%(value)s is not yes/no (true or false)")),
        (r"^a value is needed \((?P<type>\w+)\)$", _l("a value is needed (%(type)s)")),
        (r"^expected (?P<expected>\S+), got (?P<actual>\S+)$",
         _l("expected %(expected)s, got %(actual)s")),
        (r"^condition is false$", _l("the condition is false: no line")),
        (r"^raised to the floor (?P<value>\S+)$", _l("raised to the floor %(value)s")),
        (r"^limited to the cap (?P<value>\S+)$", _l("limited to the cap %(value)s")),
        (r"^the concept cannot be saved$", _l("the concept cannot be saved")),
        (r"^the test case cannot be saved$", _l("the test case cannot be saved")),
        (r"^the table cannot be saved$", _l("the table cannot be saved")),
        (r"^the payroll type cannot be saved$", _l("the payroll type cannot be saved")),
        (r"^the payroll cannot be saved$", _l("the payroll definition cannot be saved")),
        (r"^the employee cannot be assigned$", _l("the employee cannot be assigned")),
        (r"^the concept cannot be assigned$", _l("the concept cannot be assigned")),
        (r"^the priority cannot be set$", _l("the priority cannot be set")),
        (r"^the values cannot be used$", _l("the values cannot be used")),
        (r"^the formula gives a negative amount$", _l("the formula gives a negative amount")),
        (r"^computed a negative amount \((?P<value>\S+)\); use max\(0, \.\.\.\)$",
         _l("computed a negative amount (%(value)s); use max(0, ...)")),
    ))


def problem_text(text: str) -> str:
    """A service problem or message in the user's language (unknown texts unchanged)."""
    for pattern, template in _PROBLEMS:
        if match := pattern.match(text):
            return str(template) % match.groupdict()
    return text


def apply_problems(problems: dict[str, str], form: Any) -> list[str]:
    """Put each problem next to the form field of the same name (translated); return the
    problems that have no field, as ``"name: text"``."""
    unplaced = []
    for name, text in problems.items():
        field = form._fields.get(name)
        if field is None:
            unplaced.append(f"{name}: {problem_text(text)}")
        else:
            field.errors = [*field.errors, problem_text(text)]
    return unplaced


def apply_error(error: ServiceError, form: Any = None) -> int:
    """Like :func:`coati_payroll.web.errors.apply_service_error`, with the texts of this
    module: flash the message, put field problems next to the fields; return the status."""
    if isinstance(error, InvalidInput) and form is not None:
        for text in apply_problems(error.problems, form):
            flash(text, "error")
    elif isinstance(error, InvalidInput):
        for name, text in error.problems.items():
            flash(f"{name}: {problem_text(text)}", "error")
    flash(problem_text(error.message), "error")
    return service_error_status(error)
