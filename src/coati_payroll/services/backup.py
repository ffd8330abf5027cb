"""A portable backup of the whole database: ``payrollctl db backup|restore``.

Format (JSON lines, UTF-8; gzip-compressed when the file name ends in ``.gz``)::

    {"format": "coati-payroll-backup", "version": 1, "revision": "0001", "backend": "sqlite",
     "created_at": "2026-01-31T18:00:00+00:00", "tables": {"currencies": 2, ...}}
    {"table": "currencies", "columns": ["id", "code", ...]}
    [1, "USD", ...]                      one JSON array per row, in the columns' order
    ...

Tables come in dependency order (parents first) and rows by primary key, so a restore inserts
them as they come. Values are exact and backend-neutral: amounts as fixed-point strings
(never floats), dates and instants ISO (instants in UTC), JSON documents as JSON. The same
file restores into SQLite, PostgreSQL or MariaDB.

Restore goes into a database migrated to the **same revision** as the backup and **empty**
(``replace=True`` deletes every row first), in one transaction: a file that is truncated, of
another revision or with unknown columns changes nothing. On PostgreSQL the id sequences are
moved past the restored ids.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, Final, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from coati_payroll.db import migrate
from coati_payroll.db.base import Base
from coati_payroll.db.types import UTCDateTime, to_jsonable
from coati_payroll.services.errors import InvalidInput, InvalidState

FORMAT: Final = "coati-payroll-backup"
VERSION: Final = 1
BATCH: Final = 1000


@dataclass(frozen=True, slots=True)
class BackupSummary:
    path: str
    revision: str | None
    tables: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def _tables() -> list[sa.Table]:
    import coati_payroll.db.models  # noqa: F401 - registers every table

    return list(Base.metadata.sorted_tables)


def _open(path: Path, mode: str, compressed: bool | None = None) -> IO[str]:
    if path.suffix == ".gz" if compressed is None else compressed:
        return cast(IO[str], gzip.open(path, mode + "t", encoding="utf-8"))
    return path.open(mode, encoding="utf-8")


def backup(engine: Engine, path: str | Path) -> BackupSummary:
    """Write every table of the database behind ``engine`` to ``path`` (see the module
    docstring). One repeatable-read snapshot where the backend offers one."""
    path = Path(path)
    revision = migrate.current(engine)
    if revision is None:
        raise InvalidState("the database is not migrated: there is nothing to back up")
    tables = _tables()
    temporary = path.with_name(path.name + ".partial")
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        counts = {t.name: connection.scalar(sa.select(sa.func.count()).select_from(t)) or 0
                  for t in tables}
        with _open(temporary, "w", compressed=path.suffix == ".gz") as out:
            out.write(json.dumps({"format": FORMAT, "version": VERSION, "revision": revision,
                                  "backend": connection.dialect.name,
                                  "created_at": datetime.now(UTC).isoformat(),
                                  "tables": counts}) + "\n")
            for table in tables:
                out.write(json.dumps({"table": table.name,
                                      "columns": [c.name for c in table.columns]}) + "\n")
                query = sa.select(table).order_by(*table.primary_key.columns)
                result = connection.execution_options(stream_results=True,
                                                       yield_per=BATCH).execute(query)
                for row in result:
                    out.write(json.dumps(to_jsonable(list(row)), ensure_ascii=False) + "\n")
    temporary.replace(path)
    return BackupSummary(str(path), revision, counts)


def _lines(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        with _open(path, "r") as stream:
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    try:
                        yield number, json.loads(line)
                    except json.JSONDecodeError as error:
                        raise InvalidInput(f"{path.name}: line {number} is not JSON ({error.msg})"
                                           "; nothing was restored") from None
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path.name}: cannot read the backup ({error})") from None


def _decoder(column: sa.Column[Any]) -> Any:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v).astimezone(UTC)
    if isinstance(kind, sa.Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    return lambda v: v


def restore(engine: Engine, path: str | Path, *, replace: bool = False) -> BackupSummary:
    """Load the backup at ``path`` into the database behind ``engine`` (see the module
    docstring). Raises InvalidInput for a file that is not a usable backup and InvalidState
    for a database that is not empty (without ``replace``) or at another revision."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no backup file {path}")
    lines = _lines(path)
    first = next(lines, None)
    header = first[1] if first else None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InvalidInput(f"{path.name}: not a Coati Payroll backup (no {FORMAT} header)")
    if header.get("version") != VERSION:
        raise InvalidInput(f"{path.name}: backup format version {header.get('version')} "
                           f"is not supported (expected {VERSION})")
    tables = {t.name: t for t in _tables()}
    revision = migrate.current(engine)
    if revision is None:
        raise InvalidState("the database is not migrated; run payrollctl db upgrade "
                           f"{header.get('revision')} first")
    if revision != header.get("revision"):
        raise InvalidState(f"the backup is at revision {header.get('revision')} but the "
                           f"database at {revision}; migrate the database to "
                           f"{header.get('revision')} (db upgrade/downgrade), restore, then "
                           "upgrade")
    counts: dict[str, int] = {}
    with engine.begin() as connection:
        _prepare(connection, tables, replace)
        table: sa.Table | None = None
        decoders: list[Any] = []
        names: list[str] = []
        batch: list[dict[str, Any]] = []
        for number, item in lines:
            if isinstance(item, dict):
                _flush(connection, table, batch)
                table, names, decoders = _section(path, number, item, tables)
                counts[table.name] = 0
            elif isinstance(item, list) and table is not None and len(item) == len(names):
                batch.append({n: d(v) for n, d, v in zip(names, decoders, item, strict=True)})
                counts[table.name] += 1
                if len(batch) >= BATCH:
                    _flush(connection, table, batch)
            else:
                raise InvalidInput(f"{path.name}: line {number} is not a row of "
                                   f"{table.name if table is not None else 'any table'}; "
                                   "nothing was restored")
        _flush(connection, table, batch)
        expected = header.get("tables") or {}
        if {k: v for k, v in counts.items() if v} != {k: v for k, v in expected.items() if v}:
            raise InvalidInput(f"{path.name}: the file is incomplete (rows per table differ "
                               "from its header); nothing was restored")
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection, list(tables.values()))
    return BackupSummary(str(path), revision, counts)


def _prepare(connection: Connection, tables: dict[str, sa.Table], replace: bool) -> None:
    if replace:
        for table in reversed(list(tables.values())):
            connection.execute(table.delete())
        return
    filled = [name for name, table in tables.items()
              if connection.scalar(sa.select(sa.func.count()).select_from(table))]
    if filled:
        raise InvalidState(f"the database is not empty (rows in {', '.join(filled[:5])}"
                           f"{' …' if len(filled) > 5 else ''}); restore into an empty "
                           "database, or use --replace to delete everything first")


def _section(path: Path, number: int, item: dict[str, Any], tables: dict[str, sa.Table]
             ) -> tuple[sa.Table, list[str], list[Any]]:
    table = tables.get(str(item.get("table")))
    if table is None:
        raise InvalidInput(f"{path.name}: line {number}: unknown table {item.get('table')!r}; "
                           "nothing was restored")
    names = list(item.get("columns") or [])
    known = [c.name for c in table.columns]
    if sorted(names) != sorted(known):
        raise InvalidInput(f"{path.name}: line {number}: the columns of {table.name} differ "
                           f"from the database's ({', '.join(sorted(set(names) ^ set(known)))})"
                           "; nothing was restored")
    return table, names, [_decoder(table.columns[name]) for name in names]


def _flush(connection: Connection, table: sa.Table | None, batch: list[dict[str, Any]]) -> None:
    if table is not None and batch:
        connection.execute(table.insert(), batch)
        batch.clear()


def _reset_sequences(connection: Connection, tables: list[sa.Table]) -> None:
    for table in tables:
        if "id" not in table.columns:
            continue
        connection.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"))
