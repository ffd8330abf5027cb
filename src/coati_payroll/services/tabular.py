"""Reading and writing tabular files (CSV and XLSX) for imports and exports.

Reading gives :class:`Sheet`: the column names of the first non-empty row (trimmed,
lower-cased) and the data rows as text, each with its **file row number** (the header is
row 1 when it is the first line, so the numbers are the ones a spreadsheet shows). Blank rows
are skipped. Every cell becomes text, so the importers validate one representation:

* CSV: UTF-8 (a BOM is ignored); the delimiter is ``,``, ``;`` or a tab, taken from the
  header line. Cells are stripped of surrounding blanks.
* XLSX: the first worksheet. Numbers become their shortest exact text (``12.5``; an integer
  ``12``; the float Excel stores is written with ``repr``, which gives back what was typed
  for up to 15 significant digits), dates ``YYYY-MM-DD`` (a date-time at midnight counts as a
  date; one with a time keeps it and fails date validation), booleans ``true``/``false``.

Writing streams rows to CSV (UTF-8, ``,``) or XLSX (write-only workbook): Decimals are written
as fixed-point text in CSV and as numbers in XLSX, dates ISO / as date cells.

Raises :class:`TabularError` (an :class:`~coati_payroll.services.errors.InvalidInput`) for a
file that cannot be read: unknown extension, not UTF-8, not a workbook, no header, blank or
repeated column names.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final

from coati_payroll.services.errors import InvalidInput

FORMATS: Final = ("csv", "xlsx")
_DELIMITERS: Final = ",;\t"


class TabularError(InvalidInput):
    """The file cannot be read as a table."""


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One data row: its row number in the file and its cells by column name ('' if empty)."""

    number: int
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class Sheet:
    columns: tuple[str, ...]
    rows: tuple[SheetRow, ...]


def file_format(name: str | Path, given: str | None = None) -> str:
    """``csv`` or ``xlsx``: ``given`` when set, else from the file name's extension."""
    fmt = (given or Path(str(name)).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise TabularError(f"{Path(str(name)).name}: unknown file type {fmt!r} "
                           "(use a .csv or .xlsx file, or --format csv|xlsx)")
    return fmt


def read_sheet(path: str | Path, fmt: str | None = None) -> Sheet:
    """Read the table in the file at ``path`` (see the module docstring)."""
    path = Path(path)
    fmt = file_format(path, fmt)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TabularError(f"{path.name}: cannot read the file ({error.strerror})") from None
    return read_sheet_bytes(data, fmt, path.name)


def read_sheet_bytes(data: bytes, fmt: str, source: str = "file") -> Sheet:
    """Read a table from the file contents ``data`` of format ``fmt`` (``csv``/``xlsx``)."""
    lines = _csv_lines(data, source) if fmt == "csv" else _xlsx_lines(data, source)
    return _sheet(lines, source)


def _csv_lines(data: bytes, source: str) -> Iterator[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TabularError(f"{source}: not UTF-8 text (byte {error.start}); save the file "
                           "as CSV UTF-8") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(_DELIMITERS, key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, [cell.strip() for cell in cells]
    except csv.Error as error:
        raise TabularError(f"{source}: line {reader.line_num}: {error}") from None


def _xlsx_lines(data: bytes, source: str) -> Iterator[tuple[int, list[str]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise TabularError(f"{source}: not an Excel .xlsx workbook ({error})") from None
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(value) for value in row]
    finally:
        workbook.close()


def cell_text(value: object) -> str:
    """A spreadsheet cell value as the text the importers read."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        number = Decimal(repr(value))
        text = format(number, "f")
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _sheet(lines: Iterable[tuple[int, list[str]]], source: str) -> Sheet:
    columns: tuple[str, ...] | None = None
    rows: list[SheetRow] = []
    for number, cells in lines:
        if not any(cells):
            continue
        if columns is None:
            columns = _header(cells, source)
            continue
        extra = [cell for cell in cells[len(columns):] if cell]
        if extra:
            raise TabularError(f"{source}: row {number} has {len(columns) + len(extra)} or "
                               f"more cells but the header has {len(columns)} columns")
        values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(columns)}
        rows.append(SheetRow(number, values))
    if columns is None:
        raise TabularError(f"{source}: the file is empty (expected a header row with the "
                           "column names)")
    return Sheet(columns, tuple(rows))


def _header(cells: list[str], source: str) -> tuple[str, ...]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    names = [cell.strip().lower() for cell in cells]
    problems: dict[str, str] = {}
    for index, name in enumerate(names, start=1):
        if not name:
            problems[f"column {index}"] = "the header cell is empty"
        elif names.index(name) != index - 1:
            problems[f"column {index}"] = f"{name!r} appears twice in the header"
    if problems:
        raise TabularError(f"{source}: the header row is not usable", problems)
    return tuple(names)


# -- writing --------------------------------------------------------------------------------

def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def write_csv(stream: IO[str], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a header and ``rows`` to the text ``stream`` (open it with ``newline=''``);
    returns the number of data rows."""
    writer = csv.writer(stream)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
        count += 1
    return count


def write_xlsx(stream: IO[bytes], columns: Sequence[str], rows: Iterable[Sequence[Any]],
               title: str = "data") -> int:
    """Write a one-sheet workbook (streamed with a write-only workbook); returns the number of
    data rows."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(list(columns))
    count = 0
    for row in rows:
        sheet.append([value if value is not None else None for value in row])
        count += 1
    workbook.save(stream)
    return count


def write_file(path: str | Path, columns: Sequence[str], rows: Iterable[Sequence[Any]],
               fmt: str | None = None, title: str = "data") -> int:
    """Write ``rows`` to ``path`` as CSV or XLSX (by ``fmt`` or the extension)."""
    path = Path(path)
    if file_format(path, fmt) == "csv":
        with path.open("w", encoding="utf-8", newline="") as text_stream:
            return write_csv(text_stream, columns, rows)
    with path.open("wb") as binary_stream:
        return write_xlsx(binary_stream, columns, rows, title)


# -- reading cells ----------------------------------------------------------------------------

_AMOUNT_HINT: Final = "use digits with '.' as the decimal separator and no thousands " \
                      "separator, e.g. 1234.56"


def amount_cell(text: str) -> Decimal:
    """An exact decimal written with ``.`` as the decimal separator (``-12``, ``1234.5``).

    ``1,5`` is refused rather than guessed (it may mean 1.5 or 15 by locale), as are
    thousands separators, exponents and blanks. Raises ValueError with the user message."""
    value = text.strip()
    body = value[1:] if value[:1] in "+-" else value
    integer, _, fraction = body.partition(".")
    if not integer.isdigit() and not (integer == "" and fraction.isdigit()) \
            or (fraction and not fraction.isdigit()) or body.endswith(".") \
            or not integer.isascii() or not fraction.isascii():
        raise ValueError(f"{text!r} is not an amount ({_AMOUNT_HINT})")
    return Decimal(value)


def date_cell(text: str) -> date:
    """A date written ``YYYY-MM-DD``. Raises ValueError with the user message."""
    value = text.strip()
    try:
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)")


def boolean_cell(text: str) -> bool:
    """``true``/``false``, ``yes``/``no``, ``1``/``0`` in any case."""
    value = text.strip().lower()
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0"):
        return False
    raise ValueError(f"{text!r} is not yes/no (true, false, yes, no, 1 or 0)")
