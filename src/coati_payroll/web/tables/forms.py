"""The table version form and the parsing of its rows (one row a line: lower, upper, rate,
fixed — separated by commas, semicolons or tabs; an empty upper is the open last row)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from coati_payroll.core.formula.tables import TableKind
from coati_payroll.services.tables import TableRowData
from coati_payroll.web.concepts.fields import DateText

KIND_LABELS: dict[str, Any] = {
    TableKind.PROGRESSIVE.value: _l("Progressive (fixed + rate × the part above lower)"),
    TableKind.FLAT.value: _l("Flat (fixed + rate × the whole amount)"),
}
COLUMNS = ("lower", "upper", "rate", "fixed")


class TableForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("required")), Length(max=40, message=_l("at most 40 characters"))])
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("required")),
        Length(max=200, message=_l("at most 200 characters"))])
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()))
    effective_from = DateText(_l("Effective from"), required=True)
    upper_inclusive = BooleanField(_l("A row covers over lower and up to upper (tax tables)"),
                                   default=True)
    rows = TextAreaField(_l("Rows"), validators=[
        DataRequired(message=_l("required")),
        Length(max=100_000, message=_l("at most 100000 characters"))])


@dataclass(frozen=True, slots=True)
class ParsedRows:
    rows: list[TableRowData]
    lines: list[int]  # the textarea line of each row
    problems: list[str]


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_rows(text: str | None) -> ParsedRows:
    rows: list[TableRowData] = []
    lines: list[int] = []
    problems: list[str] = []
    row_number = 0
    for line_number, raw in enumerate((text or "").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        cells = [c.strip() for c in re.split(r"[,;\t|]", line)]
        if row_number == 0 and cells[0].casefold() == "lower":
            continue  # a header row pasted from a spreadsheet
        row_number += 1
        if len(cells) < 2 or len(cells) > 4:
            problems.append(_("row %(row)s (line %(line)s): write lower, upper, rate, fixed",
                              row=row_number, line=line_number))
            continue
        cells += ["0"] * (4 - len(cells))
        values: dict[str, Decimal | None] = {}
        bad = False
        for column, cell in zip(COLUMNS, cells, strict=True):
            if column == "upper" and not cell:
                values[column] = None
                continue
            value = _decimal(cell or ("0" if column in ("rate", "fixed") else ""))
            if value is None:
                problems.append(_("row %(row)s (line %(line)s), %(column)s: %(value)s is not a "
                                  "number (write 1234.56)", row=row_number, line=line_number,
                                  column=column, value=cell or "''"))
                bad = True
            values[column] = value
        if bad:
            continue
        lower, rate, fixed = values["lower"], values["rate"], values["fixed"]
        assert lower is not None and rate is not None and fixed is not None
        rows.append(TableRowData(lower, values["upper"], rate, fixed))
        lines.append(line_number)
    return ParsedRows(rows, lines, problems)


def format_rows(rows: list[Any]) -> str:
    def text(value: Decimal | None) -> str:
        return "" if value is None else format(value.normalize(), "f") if value else "0"

    return "\n".join(", ".join(text(getattr(row, c)) for c in COLUMNS) for row in rows)
