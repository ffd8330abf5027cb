"""Currency services: currencies, exchange rates and the rate in force."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.db.models import AuditEntry, Currency, ExchangeRate
from coati_payroll.services import currencies as svc
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState, NotFound

ACTOR = Actor("tester")


def count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def refused(session: Session, call, *args) -> dict[str, str]:
    models = (Currency, ExchangeRate, AuditEntry)
    before = [count(session, m) for m in models]
    with pytest.raises(InvalidInput) as caught:
        call(session, ACTOR, *args)
    assert not session.new
    assert [count(session, m) for m in models] == before
    return caught.value.problems


@pytest.fixture
def usd_nio(session):
    return (svc.create_currency(session, ACTOR, svc.CurrencyData("USD", "US dollar", "$")),
            svc.create_currency(session, ACTOR, svc.CurrencyData("NIO", "Córdoba", "C$")))


def test_currency_crud(session):
    yen = svc.create_currency(session, ACTOR, svc.CurrencyData("JPY", "Yen", "¥", D(1)))
    assert (yen.minor_unit, yen.rounding_mode, yen.active) == (D(1), "HALF_UP", True)
    svc.update_currency(session, ACTOR, yen, svc.CurrencyData("JPY", "Japanese yen", None,
                                                             D(1), "HALF_EVEN"))
    assert (yen.name, yen.symbol, yen.rounding_mode) == ("Japanese yen", None, "HALF_EVEN")
    svc.set_currency_active(session, ACTOR, yen, False)
    with pytest.raises(InvalidState):
        svc.set_currency_active(session, ACTOR, yen, False)
    assert svc.list_currencies(session, active_only=True) == []
    assert svc.list_currencies(session) == [yen] and svc.get_currency(session, "JPY") is yen
    with pytest.raises(NotFound):
        svc.get_currency(session, "EUR")
    actions = list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["currency.create", "currency.update", "currency.deactivate"]


def test_currency_refusals(session, usd_nio):
    usd, _ = usd_nio
    assert refused(session, svc.create_currency, svc.CurrencyData(
        "USD", "", "x" * 11, D(0), "NEAREST")) == {
        "code": "a currency USD already exists", "name": "1-100 characters",
        "symbol": "at most 10 characters", "minor_unit": "must be greater than 0",
        "rounding_mode": "one of HALF_UP, HALF_EVEN, HALF_DOWN, UP, DOWN, CEILING, FLOOR"}
    assert refused(session, svc.create_currency, svc.CurrencyData("usd", "x", None, 0.01)) == {
        "code": "2-10 upper-case letters or digits, starting with a letter",
        "minor_unit": "0.01 is not an exact decimal"}
    assert refused(session, svc.update_currency, usd, svc.CurrencyData("EUR", "Euro")) == {
        "code": "the code of a currency cannot change"}


def test_rate_on_takes_the_latest_on_or_before(session, usd_nio):
    for day, rate in ((date(2026, 1, 1), "36.6"), (date(2026, 2, 1), "36.7"),
                      (date(2026, 3, 1), "36.8")):
        svc.set_exchange_rate(session, ACTOR, svc.RateRow("USD", "NIO", day, D(rate)))
    assert svc.rate_on(session, "USD", "NIO", date(2026, 1, 1)) == D("36.6")
    assert svc.rate_on(session, "USD", "NIO", date(2026, 2, 28)) == D("36.7")
    assert svc.rate_on(session, "USD", "NIO", date(2030, 1, 1)) == D("36.8")
    assert svc.rate_on(session, "NIO", "NIO", date(2000, 1, 1)) == 1
    with pytest.raises(NotFound, match="no exchange rate from USD to NIO on or before "
                                       "2025-12-31"):
        svc.rate_on(session, "USD", "NIO", date(2025, 12, 31))
    with pytest.raises(NotFound, match="from NIO to USD"):  # no inverse lookup
        svc.rate_on(session, "NIO", "USD", date(2026, 6, 1))


def test_set_rate_replaces_the_same_day(session, usd_nio):
    svc.set_exchange_rate(session, ACTOR, svc.RateRow("USD", "NIO", date(2026, 1, 1), D("36")))
    svc.set_exchange_rate(session, ACTOR, svc.RateRow("USD", "NIO", date(2026, 1, 1), D("37")))
    assert count(session, ExchangeRate) == 1
    assert svc.rate_on(session, "USD", "NIO", date(2026, 1, 1)) == D(37)
    entry = session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "exchange_rate.update")).one()
    assert D(entry.before["rate"]) == 36 and D(entry.after["rate"]) == 37
    assert [r.rate for r in svc.list_exchange_rates(session, "USD", "NIO")] == [D(37)]


def test_set_rate_refusals(session, usd_nio):
    assert refused(session, svc.set_exchange_rate, svc.RateRow(
        "USD", "USD", date(2026, 1, 1), D("-1"))) == {
        "to_code": "must differ from from_code", "rate": "must be greater than 0"}
    assert refused(session, svc.set_exchange_rate, svc.RateRow(
        "EUR", "NIO", "2026-01-01", D("1.123456789012345"))) == {
        "from_code": "no currency EUR", "effective_date": "not a date",
        "rate": "1.123456789012345 has more than 14 decimal places (Rate stores exactly 14)"}


def test_import_is_all_or_nothing(session, usd_nio):
    rows = [svc.RateRow("USD", "NIO", date(2026, 1, 1), D("36.6")),
            svc.RateRow("NIO", "USD", date(2026, 1, 1), D("0.0273"))]
    assert len(svc.import_exchange_rates(session, ACTOR, rows)) == 2
    assert refused(session, svc.import_exchange_rates, [
        svc.RateRow("USD", "NIO", date(2026, 2, 1), D("36.7")),
        svc.RateRow("USD", "XXX", date(2026, 2, 1), D("1")),
        svc.RateRow("USD", "NIO", date(2026, 2, 1), D("36.8")),
    ]) == {"row 3: to_code": "no currency XXX",
           "row 4: effective_date": "the same pair and date as row 2"}
    assert count(session, ExchangeRate) == 2
    assert refused(session, svc.import_exchange_rates, []) == {"rows": "no rates to import"}
