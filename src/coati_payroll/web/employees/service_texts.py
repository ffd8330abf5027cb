"""Translating the texts services put in their errors, for the pages of companies, currencies,
employees, custom fields and users.

Services stay free of Flask-Babel and write plain English, some with values in them
(``a company ACME already exists``). :func:`localized` gives a copy of a
:class:`ServiceError` whose message and problems are translated: fixed texts through the
catalog (:data:`FIXED`), texts with values through :data:`RULES` (a pattern and the msgid to
format with its groups). Problem keys can be renamed to the form's field names on the way
(``custom.bonus`` → ``custom_bonus``); ``row 12: hire_date`` keys are translated too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from coati_payroll.services.errors import InvalidInput, ServiceError

__all__ = ["FIXED", "RULES", "localize_text", "localized"]

#: Fixed service texts (looked up in the catalog as they are).
FIXED: Final[tuple[Any, ...]] = (
    _l("required"),
    _l("1-40 letters, digits or _, starting with a letter"),
    _l("1-100 characters"),
    _l("1-200 characters"),
    _l("at most 10 characters"),
    _l("at most 64 characters"),
    _l("at most 100 characters"),
    _l("at most 200 characters"),
    _l("at most 254 characters"),
    _l("at most 500 characters"),
    _l("must be greater than 0"),
    _l("must not be negative"),
    _l("not an e-mail address"),
    _l("not a date"),
    _l("must be on or after the hire date"),
    _l("must differ from from_code"),
    _l("no rates to import"),
    _l("inactive field"),
    _l("no such custom field"),
    _l("required: this field has no default"),
    _l("required when a salary currency is given"),
    _l("required for a new employee"),
    _l("required column is missing"),
    _l("the header cell is empty"),
    _l("an employee cannot move to another company"),
    _l("the code of a company cannot change"),
    _l("the code of a currency cannot change"),
    _l("the code of a custom field cannot change"),
    _l("the type of a custom field cannot change"),
    _l("the last active admin must stay admin"),
    _l("2-10 upper-case letters or digits, starting with a letter"),
    _l("3-80 characters: letters, digits, '.', '_' or '-', starting with a letter"),
    _l("the company cannot be saved"),
    _l("the currency cannot be saved"),
    _l("the exchange rate cannot be saved"),
    _l("the exchange rates cannot be imported"),
    _l("the employee cannot be saved"),
    _l("the employee cannot be terminated"),
    _l("the salary change cannot be saved"),
    _l("the custom field cannot be saved"),
    _l("the password cannot be set"),
    _l("the file's columns are not usable; nothing was imported"),
    _l("a new employee's first salary applies from the hire date; leave this cell empty"),
)

_VALUE: Final = r"(?P<value>'.*'|\".*\"|\S+)"

#: Texts with values: (pattern, msgid formatted with the pattern's named groups).
RULES: Final[tuple[tuple[re.Pattern[str], Any], ...]] = tuple(
    (re.compile(pattern), msgid) for pattern, msgid in (
        (r"a company (?P<code>\S+) already exists", _l("a company %(code)s already exists")),
        (r"a currency (?P<code>\S+) already exists", _l("a currency %(code)s already exists")),
        (r"a custom field (?P<code>\S+) already exists",
         _l("a custom field %(code)s already exists")),
        (r"a user (?P<code>\S+) already exists", _l("a user %(code)s already exists")),
        (r"company (?P<company>\S+) already has an employee (?P<code>\S+)",
         _l("company %(company)s already has an employee %(code)s")),
        (r"no company '?(?P<code>[^']+)'?", _l("no company %(code)s")),
        (r"no currency (?P<code>\S+)", _l("no currency %(code)s")),
        (r"no user (?P<code>\S+)", _l("no user %(code)s")),
        (r"currency (?P<code>\S+) is inactive", _l("currency %(code)s is inactive")),
        (r"company (?P<code>\S+) is inactive", _l("company %(code)s is inactive")),
        (r"(?P<what>company|currency|employee|user) (?P<code>\S+) is already active",
         _l("%(code)s is already active")),
        (r"(?P<what>company|currency|employee|user) (?P<code>\S+) is already inactive",
         _l("%(code)s is already inactive")),
        (r"company (?P<code>\S+) has (?P<count>\d+) active employee\(s\); deactivate them first",
         _l("company %(code)s has %(count)s active employee(s); deactivate them first")),
        (r"company (?P<code>\S+) has employees; deactivate it instead",
         _l("company %(code)s has employees; deactivate it instead")),
        (r"company (?P<code>\S+) has payrolls; deactivate it instead",
         _l("company %(code)s has payroll definitions; deactivate it instead")),
        (r"custom field (?P<code>\S+) has values for employees (?P<list>.+); deactivate it "
         r"instead",
         _l("custom field %(code)s has values for employees %(list)s; deactivate it instead")),
        (r"custom field (?P<code>\S+) is used by concept (?P<concept>\S+); deactivate it instead",
         _l("custom field %(code)s is used by concept %(concept)s; deactivate it instead")),
        (r"(?P<code>\S+) is the last active admin and cannot be deactivated",
         _l("%(code)s is the last active admin and cannot be deactivated")),
        (r"there is already a salary change on (?P<day>\S+)",
         _l("there is already a salary change on %(day)s")),
        (r"before the hire date (?P<day>\S+)", _l("before the hire date %(day)s")),
        (r"after the termination date (?P<day>\S+)", _l("after the termination date %(day)s")),
        (r"a salary change is effective before it, on (?P<day>\S+)",
         _l("a salary change is effective before it, on %(day)s")),
        (r"the same pair and date as row (?P<row>\d+)",
         _l("the same pair and date as row %(row)s")),
        (r"(?P<count>\d+) row\(s\) have problems; nothing was imported",
         _l("%(count)s row(s) have problems; nothing was imported")),
        (_VALUE + r" is not a number", _l("%(value)s is not a number")),
        (_VALUE + r" is not a date \(YYYY-MM-DD\)", _l("%(value)s is not a date (YYYY-MM-DD)")),
        (_VALUE + r" is not an exact decimal( amount)?", _l("%(value)s is not a number")),
        (_VALUE + r" is not yes/no.*", _l("%(value)s is not yes/no (true or false)")),
        (_VALUE + r" is not an amount.*",
         _l("%(value)s is not an amount (use digits with '.' as the decimal separator and no "
            "thousands separator, e.g. 1234.56)")),
        (_VALUE + r" is not one of (?P<list>.+)", _l("%(value)s is not one of %(list)s")),
        (r"(?P<value>'.*') appears again \(first on row (?P<row>\d+)\)",
         _l("%(value)s appears again (first on row %(row)s)")),
        (r"employee '(?P<code>.+)' already exists in company '(?P<company>.+)' \(use .*",
         _l("employee %(code)s already exists in company %(company)s (tick “Update existing "
            "employees” to update them)")),
        (r"required \(give the column, --company, or have one company\)",
         _l("required (give the column or choose a default company)")),
        (r"company '(?P<company>.+)' has no payroll '(?P<code>.+)'",
         _l("company %(company)s has no payroll definition %(code)s")),
        (r"payroll '(?P<code>.+)' is inactive", _l("payroll definition %(code)s is inactive")),
        (r"required to change the salary of an existing employee \(salary in force: "
         r"(?P<value>.+)\)",
         _l("required to change the salary of an existing employee (salary in force: "
            "%(value)s)")),
        (r"no active custom field '(?P<code>.+)' \(custom fields: (?P<list>.*)\)",
         _l("no active custom field %(code)s (custom fields: %(list)s)")),
        (r"unknown column \(known columns: (?P<list>.+)\)",
         _l("unknown column (known columns: %(list)s)")),
        (r"'(?P<value>.*)' appears twice in the header",
         _l("%(value)s appears twice in the header")),
        (r"(?P<source>.+): not UTF-8 text.*",
         _l("%(source)s: not UTF-8 text; save the file as CSV UTF-8")),
        (r"(?P<source>.+): not an Excel \.xlsx workbook.*",
         _l("%(source)s: not an Excel .xlsx workbook")),
        (r"(?P<source>.+): the file is empty.*",
         _l("%(source)s: the file is empty (expected a header row with the column names)")),
        (r"(?P<source>.+): row (?P<row>\d+) has .* cells but the header has (?P<count>\d+) "
         r"columns", _l("%(source)s: row %(row)s has more cells than the %(count)s columns of "
                        "the header")),
        (r"(?P<source>.+): line (?P<row>\d+): (?P<value>.+)",
         _l("%(source)s: line %(row)s cannot be read (%(value)s)")),
        (r"(?P<source>.+): the header row is not usable",
         _l("%(source)s: the header row is not usable")),
        (r"one of (?P<list>.+)", _l("one of %(list)s")),
        (r"at most (?P<count>\d+) characters", _l("at most %(count)s characters")),
    ))

_ROW_KEY: Final = re.compile(r"row (?P<row>\d+): (?P<column>.+)")
_COLUMN_KEY: Final = re.compile(r"column (?P<column>.+)")


def localize_text(text: str) -> str:
    """``text`` translated: from the catalog when it is a fixed text, through :data:`RULES`
    when it carries values, else unchanged."""
    if not text:
        return text
    translated = str(gettext(text))
    if translated != text:
        return translated
    for pattern, msgid in RULES:
        match = pattern.fullmatch(text)
        if match:
            return str(msgid) % match.groupdict()
    return text


def localize_key(key: str) -> str:
    """A problem key for display: ``row 12: hire_date`` → ``fila 12: hire_date``."""
    if match := _ROW_KEY.fullmatch(key):
        return str(gettext("row %(row)s: %(column)s", row=match["row"], column=match["column"]))
    if match := _COLUMN_KEY.fullmatch(key):
        return str(gettext("column %(column)s", column=match["column"]))
    return key


def localized(error: ServiceError, keys: Mapping[str, str] | None = None) -> ServiceError:
    """A copy of ``error`` with its texts translated and its problem keys renamed by
    ``keys`` (service name → form field name)."""
    message = localize_text(error.message)
    if isinstance(error, InvalidInput):
        # Plain text: the shared form macro escapes field errors (they may quote user input).
        problems = {(keys or {}).get(key, key): localize_text(text)
                    for key, text in error.problems.items()}
        copy: ServiceError = type(error)(message, problems, **error.params)
    else:
        copy = type(error)(message, **error.params)
    return copy
