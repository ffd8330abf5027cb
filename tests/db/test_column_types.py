"""Exact money: values round-trip unchanged on every backend; floats never get in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import ExchangeRate, RunLine
from coati_payroll.db.testing import Factory
from coati_payroll.db.types import JSONDocument, Money, Rate, UTCDateTime, to_jsonable

D = Decimal

MONEY_VALUES = [
    D("123456789012.34"),
    D("-123456789012.34"),
    D("0"),
    D("-0.000001"),
    D("999999999999999999.999999"),  # the largest NUMERIC(24, 6)
    D("0.1") + D("0.2"),
]
RATE_VALUES = [
    D("0.0000000001"),
    D("36.6243"),
    D("0.00000000000001"),  # the smallest positive NUMERIC(32, 14)
    D("-12.5"),
    D("1E-10"),  # exponent notation in, the same number out
    D("123456789012345678.12345678901234"),
]


def _line(factory: Factory, amount: Decimal) -> RunLine:
    line = factory.run_line(amount=amount)
    return line


@pytest.mark.parametrize("amount", MONEY_VALUES, ids=str)
def test_money_round_trips_unchanged(session: Session, factory: Factory, amount: Decimal) -> None:
    line = _line(factory, amount)
    session.commit()
    session.expunge_all()
    stored = session.scalars(sa.select(RunLine.amount).where(RunLine.id == line.id)).one()
    assert isinstance(stored, Decimal)
    assert stored == amount
    assert stored.as_tuple().exponent == -6  # every backend gives the column's scale


@pytest.mark.parametrize("rate", RATE_VALUES, ids=str)
def test_rate_round_trips_unchanged(session: Session, factory: Factory, rate: Decimal) -> None:
    row = factory.exchange_rate(rate=rate)
    session.commit()
    session.expunge_all()
    stored = session.scalars(sa.select(ExchangeRate.rate).where(ExchangeRate.id == row.id)).one()
    assert isinstance(stored, Decimal)
    assert stored == rate
    assert format(stored.normalize(), "f") == format(rate.normalize(), "f")


def test_money_and_rate_are_exact_in_raw_storage(session: Session, factory: Factory) -> None:
    """What the database itself holds: a decimal, or the canonical string on SQLite."""
    line = factory.run_line(amount=D("123456789012.34"))
    rate = factory.exchange_rate(rate=D("0.0000000001"))
    session.commit()
    raw_amount = session.execute(
        sa.text("SELECT amount FROM run_lines WHERE id = :id"), {"id": line.id}).scalar_one()
    raw_rate = session.execute(
        sa.text("SELECT rate FROM exchange_rates WHERE id = :id"), {"id": rate.id}).scalar_one()
    if session.get_bind().dialect.name == "sqlite":
        assert raw_amount == "123456789012.340000"
        assert raw_rate == "0.00000000010000"
    else:
        assert raw_amount == D("123456789012.34") and isinstance(raw_amount, Decimal)
        assert raw_rate == D("0.0000000001") and isinstance(raw_rate, Decimal)


def test_float_is_refused(session: Session, factory: Factory) -> None:
    with pytest.raises(sa.exc.StatementError) as caught:
        factory.run_line(amount=0.1)
    assert isinstance(caught.value.orig, TypeError)


@pytest.mark.parametrize("bad", [D("0.0000001"), D("1E+18"), D("NaN"), D("Infinity")], ids=str)
def test_money_refuses_what_it_cannot_store_exactly(
    session: Session, factory: Factory, bad: Decimal
) -> None:
    with pytest.raises(sa.exc.StatementError) as caught:
        factory.run_line(amount=bad)
    assert isinstance(caught.value.orig, ValueError)


@pytest.mark.parametrize("value", [0.5, 1.0, True, b"1", [1]])
def test_coerce_refuses_non_decimals(value: object) -> None:
    with pytest.raises(TypeError):
        Money().coerce(value)


def test_coerce_accepts_int_and_str() -> None:
    assert Money().coerce(5) == D("5.000000")
    assert Rate().coerce("0.15") == D("0.15")
    with pytest.raises(ValueError, match="not a decimal"):
        Money().coerce("abc")
    with pytest.raises(ValueError, match="more than 14 decimal places"):
        Rate().coerce(D("1E-15"))
    with pytest.raises(ValueError, match="too large"):
        Rate().coerce(D("1E+18"))


def test_timestamps_are_aware_utc_with_microseconds(session: Session, factory: Factory) -> None:
    moment = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-6)))
    user = factory.user(last_login_at=moment)
    session.commit()
    session.expunge_all()
    stored = session.scalars(
        sa.select(type(user).last_login_at).where(type(user).id == user.id)).one()
    assert stored == moment
    assert stored.tzinfo is UTC
    assert stored.microsecond == 123456
    assert user.created_at.tzinfo is UTC


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), sa.create_engine("sqlite://").dialect)


class Colour(StrEnum):
    RED = "red"


@dataclass(frozen=True, slots=True)
class Point:
    x: Decimal
    when: date


def test_to_jsonable() -> None:
    document = {
        "amount": D("1E-10"), "when": date(2026, 1, 31), "colour": Colour.RED,
        "tuple": (D("1.50"), None, True, 3), "tags": frozenset({"b", "a"}),
        "point": Point(D("2"), date(2026, 2, 1)), 5: "int key",
    }
    assert to_jsonable(document) == {
        "amount": "0.0000000001", "when": "2026-01-31", "colour": "red",
        "tuple": ["1.50", None, True, 3], "tags": ["a", "b"],
        "point": {"x": "2", "when": "2026-02-01"}, "5": "int key",
    }
    with pytest.raises(TypeError, match="float"):
        to_jsonable({"x": 0.1})


def test_json_documents_round_trip(session: Session, factory: Factory) -> None:
    trace = {"formula": "salary * 0.07", "values": [["salary", D("12345.67")]],
             "unrounded": D("864.1969"), "period_end": date(2026, 1, 31), "note": "ñandú"}
    line = factory.run_line(trace=trace)
    session.commit()
    session.expunge_all()
    stored = session.get(RunLine, line.id)
    assert stored is not None
    assert stored.trace == {"formula": "salary * 0.07", "values": [["salary", "12345.67"]],
                            "unrounded": "864.1969", "period_end": "2026-01-31",
                            "note": "ñandú"}


def test_json_none_is_sql_null(session: Session, factory: Factory) -> None:
    line = factory.run_line(trace=None)
    session.commit()
    assert session.execute(sa.text("SELECT COUNT(*) FROM run_lines WHERE trace IS NULL")
                           ).scalar_one() == 1
    assert line.trace is None
    assert JSONDocument().process_bind_param(None, session.get_bind().dialect) is None
