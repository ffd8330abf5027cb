"""Column types that behave the same on SQLite, PostgreSQL and MariaDB.

* :class:`Money` — amounts: ``NUMERIC(24, 6)`` on PostgreSQL and MariaDB, ``TEXT`` on SQLite.
* :class:`Rate` — rates, percentages, exchange rates, formula constants: ``NUMERIC(32, 14)`` /
  ``TEXT`` on SQLite.
* :class:`Code` — identifiers (concept, currency, input codes): ``VARCHAR`` compared
  case-sensitively everywhere (binary collation on MariaDB, whose default collation ignores
  case and would make ``ss`` and ``SS`` collide in a unique index).
* :class:`UTCDateTime` — instants: stored as naive UTC (microseconds kept on MariaDB),
  read back as aware UTC ``datetime``.
* :class:`JSONDocument` — JSON with Decimals written as strings and dates as ISO text
  (traces, snapshots, notices); :func:`to_jsonable` is the one conversion, reusable.

Why TEXT on SQLite: SQLite has no decimal type. A ``NUMERIC`` column there has numeric
affinity and turns ``'123456789012.34'`` into an IEEE double, and the pysqlite driver hands
SQLAlchemy floats. Storing the canonical fixed-point string keeps every digit. The price: on
SQLite, SQL arithmetic, ``SUM`` and ``<``/``>`` on money columns are textual or float; services
aggregate amounts in Python (the core computes totals anyway) and filter on other columns.

Decimal values are quantized to the column's scale when written, so every backend reads back
the same ``Decimal`` with the same exponent (``Decimal('12.340000')`` for a Money column). A
value needing more fractional digits than the scale, or more integer digits than the precision
leaves, raises ``ValueError`` rather than being rounded or truncated silently (PostgreSQL
would round, MariaDB truncate). ``float`` raises ``TypeError``: it is never exact.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

__all__ = [
    "Code",
    "JSONDocument",
    "Money",
    "Rate",
    "UTCDateTime",
    "to_jsonable",
]

_MYSQL = ("mysql", "mariadb")

# Wide enough for any NUMERIC(32, 14) value; the quantize must never round by precision.
_QUANTIZE_CONTEXT = decimal.Context(prec=60, traps=[decimal.InvalidOperation])


class _ExactDecimal(sa.types.TypeDecorator[Decimal]):
    """A fixed-point decimal: NUMERIC(precision, scale), or canonical TEXT on SQLite."""

    impl = sa.Numeric
    cache_ok = True
    precision: int = 24
    scale: int = 6

    def __init__(self) -> None:
        super().__init__(precision=self.precision, scale=self.scale, asdecimal=True)
        self._exponent = Decimal(1).scaleb(-self.scale)
        self._limit = Decimal(10) ** (self.precision - self.scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Text())
        return dialect.type_descriptor(
            sa.Numeric(precision=self.precision, scale=self.scale, asdecimal=True)
        )

    def coerce(self, value: object) -> Decimal:
        """``value`` as a Decimal at this column's scale; raises TypeError or ValueError."""
        if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
            raise TypeError(
                f"{type(self).__name__} columns take Decimal, int or str, "
                f"not {type(value).__name__} ({value!r})"
            )
        try:
            number = Decimal(value) if not isinstance(value, Decimal) else value
        except decimal.InvalidOperation:
            raise ValueError(f"not a decimal number: {value!r}") from None
        if not number.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        quantized = number.quantize(self._exponent, context=_QUANTIZE_CONTEXT)
        if quantized != number:
            raise ValueError(
                f"{number} has more than {self.scale} decimal places "
                f"({type(self).__name__} stores exactly {self.scale})"
            )
        if abs(quantized) >= self._limit:
            raise ValueError(
                f"{number} is too large for {type(self).__name__} "
                f"(at most {self.precision - self.scale} integer digits)"
            )
        return quantized

    def process_bind_param(self, value: object, dialect: Dialect) -> Decimal | str | None:
        if value is None:
            return None
        number = self.coerce(value)
        if dialect.name == "sqlite":
            return format(number, "f")
        return number

    def process_result_value(self, value: object, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, float):  # pragma: no cover - a row written outside this type
            raise TypeError(f"{type(self).__name__} column returned a float: {value!r}")
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        return number.quantize(self._exponent, context=_QUANTIZE_CONTEXT)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class Money(_ExactDecimal):
    """An amount: 18 integer digits, 6 decimal places (NUMERIC(24, 6); TEXT on SQLite)."""

    cache_ok = True
    precision = 24
    scale = 6


class Rate(_ExactDecimal):
    """A rate or constant: 18 integer digits, 14 decimal places (NUMERIC(32, 14), TEXT on
    SQLite)."""

    cache_ok = True
    precision = 32
    scale = 14


class Code(sa.types.TypeDecorator[str]):
    """An identifier, compared case-sensitively on every backend (VARCHAR(length))."""

    impl = sa.String
    cache_ok = True

    def __init__(self, length: int = 40) -> None:
        super().__init__(length)
        self.length = length

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in _MYSQL:
            return dialect.type_descriptor(mysql.VARCHAR(self.length, collation="utf8mb4_bin"))
        return dialect.type_descriptor(sa.String(self.length))


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An instant. Aware datetimes are converted to UTC; naive ones are refused (ValueError).

    Stored as a naive UTC ``DATETIME``/``TIMESTAMP WITHOUT TIME ZONE`` (``DATETIME(6)`` on
    MariaDB, which otherwise drops the microseconds), read back aware in UTC.
    """

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in _MYSQL:
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: object, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime columns take datetime, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: give a time zone (e.g. datetime.now(UTC))")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: object, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite, when read through a plain text() query
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)

    @property
    def python_type(self) -> type[datetime]:
        return datetime


def utcnow() -> datetime:
    """The current instant, aware in UTC (the default of every timestamp column)."""
    return datetime.now(UTC)


def to_jsonable(value: object) -> Any:
    """``value`` as plain JSON data: Decimal → fixed-point string, date/time → ISO text,
    enum → its value, mapping → dict (keys as str), tuple/list → list, set → sorted list,
    dataclass with slots → dict of its fields. Raises TypeError for anything else (floats
    included: a float in a payroll document is a bug)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return format(value, "f")
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(to_jsonable(item) for item in value)
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return {name: to_jsonable(getattr(value, name)) for name in fields}
    raise TypeError(f"cannot store {type(value).__name__} in a JSON column: {value!r}")


class JSONDocument(sa.types.TypeDecorator[Any]):
    """JSON data written through :func:`to_jsonable`; read back as plain JSON (Decimals come
    back as strings: the reader knows which fields are amounts). Python ``None`` is SQL NULL."""

    impl = sa.JSON
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(none_as_null=True)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return to_jsonable(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, (bytes, str)) and dialect.name in _MYSQL:  # pragma: no cover
            return json.loads(value)
        return value
