"""Currencies and dated exchange rates.

* A currency code is 2–10 upper-case letters or digits starting with a letter (ISO codes are
  three letters); the code never changes. ``minor_unit`` > 0 (0.01, 1, 0.05 …) and
  ``rounding_mode`` one of :data:`~coati_payroll.core.money.ROUNDING_MODES`.
* ``ExchangeRate(from, to, date, rate)``: from that date on one ``from`` is worth ``rate``
  ``to``. :func:`set_exchange_rate` adds the rate of a day or replaces it (audited with the
  old value). :func:`import_exchange_rates` validates every row first (problems keyed
  ``row N: field``) and writes all or nothing.
* :func:`rate_on` is the latest rate on or before the day (1 for a currency to itself);
  a missing rate is NotFound naming the pair and the day — never 0 or 1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.money import ROUNDING_MODES
from coati_payroll.db.models import Currency, ExchangeRate
from coati_payroll.db.types import Rate
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState, NotFound

CURRENCY_CODE: Final = re.compile(r"[A-Z][A-Z0-9]{1,9}\Z")
_RATE: Final = Rate()


@dataclass(frozen=True, slots=True)
class CurrencyData:
    code: str
    name: str
    symbol: str | None = None
    minor_unit: Decimal = Decimal("0.01")
    rounding_mode: str = "HALF_UP"


@dataclass(frozen=True, slots=True)
class RateRow:
    """One exchange rate to set: one ``from_code`` is worth ``rate`` ``to_code`` from
    ``effective_date`` on."""

    from_code: str
    to_code: str
    effective_date: date
    rate: Decimal


def _snapshot(currency: Currency) -> dict[str, Any]:
    return {"code": currency.code, "name": currency.name, "symbol": currency.symbol,
            "minor_unit": currency.minor_unit, "rounding_mode": currency.rounding_mode,
            "active": currency.active}


def _positive_rate(value: object) -> str | None:
    if not isinstance(value, (Decimal, int)) or isinstance(value, bool):
        return f"{value!r} is not an exact decimal"
    try:
        number = _RATE.coerce(value)
    except (TypeError, ValueError) as error:
        return str(error)
    return None if number > 0 else "must be greater than 0"


def _validate(session: Session, data: CurrencyData, currency: Currency | None) -> None:
    problems: dict[str, str] = {}
    if currency is not None:
        if data.code != currency.code:
            problems["code"] = "the code of a currency cannot change"
    elif not CURRENCY_CODE.match(data.code or ""):
        problems["code"] = "2-10 upper-case letters or digits, starting with a letter"
    elif session.scalar(sa.select(Currency.id).where(Currency.code == data.code)) is not None:
        problems["code"] = f"a currency {data.code} already exists"
    if not data.name or not data.name.strip() or len(data.name) > 100:
        problems["name"] = "1-100 characters"
    if data.symbol is not None and len(data.symbol) > 10:
        problems["symbol"] = "at most 10 characters"
    if problem := _positive_rate(data.minor_unit):
        problems["minor_unit"] = problem
    if data.rounding_mode not in ROUNDING_MODES:
        problems["rounding_mode"] = "one of " + ", ".join(ROUNDING_MODES)
    if problems:
        raise InvalidInput("the currency cannot be saved", problems)


def create_currency(session: Session, actor: Actor, data: CurrencyData) -> Currency:
    _validate(session, data, None)
    currency = Currency(code=data.code, name=data.name.strip(), symbol=data.symbol or None,
                        minor_unit=data.minor_unit, rounding_mode=data.rounding_mode,
                        active=True)
    session.add(currency)
    session.flush()
    audit.record(session, actor, "currency.create", "currency", currency.code, {},
                 _snapshot(currency))
    return currency


def update_currency(session: Session, actor: Actor, currency: Currency,
                    data: CurrencyData) -> Currency:
    """Change name, symbol and rounding (runs already calculated keep their snapshot)."""
    _validate(session, data, currency)
    before = _snapshot(currency)
    currency.name = data.name.strip()
    currency.symbol = data.symbol or None
    currency.minor_unit = data.minor_unit
    currency.rounding_mode = data.rounding_mode
    session.flush()
    audit.record(session, actor, "currency.update", "currency", currency.code, before,
                 _snapshot(currency))
    return currency


def set_currency_active(session: Session, actor: Actor, currency: Currency,
                        active: bool) -> Currency:
    """Deactivate (no new salaries, loans or payrolls in it) or reactivate a currency."""
    if currency.active == active:
        raise InvalidState(f"currency {currency.code} is already "
                           f"{'active' if active else 'inactive'}")
    before = _snapshot(currency)
    currency.active = active
    session.flush()
    audit.record(session, actor, "currency.activate" if active else "currency.deactivate",
                 "currency", currency.code, before, _snapshot(currency))
    return currency


def get_currency(session: Session, code: str) -> Currency:
    currency = session.scalar(sa.select(Currency).where(Currency.code == code))
    if currency is None:
        raise NotFound(f"no currency {code}", currency=code)
    return currency


def list_currencies(session: Session, *, active_only: bool = False) -> list[Currency]:
    query = sa.select(Currency).order_by(Currency.code)
    if active_only:
        query = query.where(Currency.active.is_(True))
    return list(session.scalars(query))


def _row_problems(row: RateRow, known: set[str], prefix: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    for name in ("from_code", "to_code"):
        code = getattr(row, name)
        if code not in known:
            problems[f"{prefix}{name}"] = f"no currency {code}"
    if row.from_code == row.to_code:
        problems[f"{prefix}to_code"] = "must differ from from_code"
    if not isinstance(row.effective_date, date):
        problems[f"{prefix}effective_date"] = "not a date"
    if problem := _positive_rate(row.rate):
        problems[f"{prefix}rate"] = problem
    return problems


def _write(session: Session, actor: Actor, row: RateRow) -> ExchangeRate:
    existing = session.scalar(sa.select(ExchangeRate).where(
        ExchangeRate.from_code == row.from_code, ExchangeRate.to_code == row.to_code,
        ExchangeRate.effective_date == row.effective_date))
    after = {"from": row.from_code, "to": row.to_code, "date": row.effective_date,
             "rate": row.rate}
    if existing is not None:
        before = after | {"rate": existing.rate}
        existing.rate = row.rate
        session.flush()
        audit.record(session, actor, "exchange_rate.update", "exchange_rate", existing.id,
                     before, after)
        return existing
    rate = ExchangeRate(from_code=row.from_code, to_code=row.to_code,
                        effective_date=row.effective_date, rate=row.rate)
    session.add(rate)
    session.flush()
    audit.record(session, actor, "exchange_rate.create", "exchange_rate", rate.id, {}, after)
    return rate


def _codes(session: Session) -> set[str]:
    return set(session.scalars(sa.select(Currency.code)))


def set_exchange_rate(session: Session, actor: Actor, row: RateRow) -> ExchangeRate:
    """Add the rate of ``row.effective_date`` or replace the one already set for that day."""
    problems = _row_problems(row, _codes(session), "")
    if problems:
        raise InvalidInput("the exchange rate cannot be saved", problems)
    return _write(session, actor, row)


def import_exchange_rates(session: Session, actor: Actor, rows: Sequence[RateRow],
                          first_row: int = 2) -> list[ExchangeRate]:
    """Set every row, all or nothing. Problems are keyed ``row N: field`` with N counted
    from ``first_row`` (2: the first data line of a file with a header)."""
    known = _codes(session)
    problems: dict[str, str] = {}
    seen: dict[tuple[str, str, date], int] = {}
    for number, row in enumerate(rows, first_row):
        problems |= _row_problems(row, known, f"row {number}: ")
        key = (row.from_code, row.to_code, row.effective_date)
        if key in seen:
            problems[f"row {number}: effective_date"] = (
                f"the same pair and date as row {seen[key]}")
        seen.setdefault(key, number)
    if not rows:
        problems["rows"] = "no rates to import"
    if problems:
        raise InvalidInput("the exchange rates cannot be imported", problems)
    return [_write(session, actor, row) for row in rows]


def rate_on(session: Session, from_code: str, to_code: str, day: date) -> Decimal:
    """Units of ``to_code`` for one ``from_code`` on ``day`` (the latest rate on or before
    it); NotFound when there is none."""
    if from_code == to_code:
        return Decimal(1)
    rate = session.scalar(
        sa.select(ExchangeRate.rate).where(
            ExchangeRate.from_code == from_code, ExchangeRate.to_code == to_code,
            ExchangeRate.effective_date <= day)
        .order_by(ExchangeRate.effective_date.desc()).limit(1))
    if rate is None:
        raise NotFound(f"no exchange rate from {from_code} to {to_code} on or before {day}",
                       from_code=from_code, to_code=to_code, day=day)
    return rate


def list_exchange_rates(session: Session, from_code: str | None = None,
                        to_code: str | None = None) -> list[ExchangeRate]:
    query = sa.select(ExchangeRate).order_by(ExchangeRate.from_code, ExchangeRate.to_code,
                                             ExchangeRate.effective_date)
    if from_code is not None:
        query = query.where(ExchangeRate.from_code == from_code)
    if to_code is not None:
        query = query.where(ExchangeRate.to_code == to_code)
    return list(session.scalars(query))
