"""Reading an exchange-rate file (CSV or XLSX) into :class:`RateRow` values.

Columns (header names, any order and letter case): ``from_code``, ``to_code``,
``effective_date`` (``YYYY-MM-DD``) and ``rate`` (``.`` as the decimal separator). Cells that
cannot be read are problems keyed ``row N: column`` like the service's, so that the page lists
every problem of the file at once and nothing is imported.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

from coati_payroll.services.currencies import RateRow
from coati_payroll.services.errors import InvalidInput
from coati_payroll.services.tabular import Sheet, amount_cell, date_cell, read_sheet_bytes

COLUMNS: Final = ("from_code", "to_code", "effective_date", "rate")


def read_rates(data: bytes, fmt: str, source: str) -> tuple[list[RateRow], int]:
    """The rows of the file and the file row number of the first one. Raises InvalidInput
    (TabularError) for an unreadable file, unknown or missing columns, or unreadable cells."""
    sheet: Sheet = read_sheet_bytes(data, fmt, source)
    problems: dict[str, str] = {}
    for column in sheet.columns:
        if column not in COLUMNS:
            problems[f"column {column!r}"] = (
                f"unknown column (known columns: {', '.join(COLUMNS)})")
    for column in COLUMNS:
        if column not in sheet.columns:
            problems[f"column {column!r}"] = "required column is missing"
    if problems:
        raise InvalidInput("the file's columns are not usable; nothing was imported", problems)
    rows: list[RateRow] = []
    for row in sheet.rows:
        cells = row.values
        day: date | None = None
        rate: Decimal | None = None
        for column in ("from_code", "to_code", "effective_date", "rate"):
            if not cells[column]:
                problems[f"row {row.number}: {column}"] = "required"
        try:
            day = date_cell(cells["effective_date"]) if cells["effective_date"] else None
        except ValueError as error:
            problems[f"row {row.number}: effective_date"] = str(error)
        try:
            rate = amount_cell(cells["rate"]) if cells["rate"] else None
        except ValueError as error:
            problems[f"row {row.number}: rate"] = str(error)
        if day is not None and rate is not None:
            rows.append(RateRow(from_code=cells["from_code"].upper(),
                                to_code=cells["to_code"].upper(), effective_date=day,
                                rate=rate))
    if problems:
        raise InvalidInput(f"{len({k.split(':')[0] for k in problems})} row(s) have problems; "
                           "nothing was imported", problems)
    if not sheet.rows:
        raise InvalidInput("the exchange rates cannot be imported",
                           {"rows": "no rates to import"})
    return rows, sheet.rows[0].number
