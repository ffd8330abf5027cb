"""The fast money formatter gives exactly the text of the Babel implementation it replaced."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import format_currency, get_currency_symbol
from flask import Flask

from coati_payroll.web.i18n import MoneyFormat, money

LOCALES = ("en", "es")
CURRENCIES = ("USD", "EUR", "NIO", "JPY", "CHF", "GBP", "MXN", "CRC", "KWD", "XAF")
MAGNITUDES = ("0", "0.5", "0.01", "0.001", "0.125", "1", "7.1", "12", "99.99", "100", "999",
              "1000", "1234", "1234.5", "1234.56", "9999.999", "12345", "12345.678",
              "100000", "123456.7", "1000000", "1234567.891", "12345678.9", "999999999.99",
              "1000000000000", "1234567890123.45", "12345678901234567.89", "1E+3", "1.50E+6",
              "0.10", "2.000", "5E-7", "3.14159265358979323846")


def reference(amount: Decimal, currency: str, locale: Locale) -> str:
    """The implementation that ``money`` had before the fast formatter (kept as it was)."""
    text = format_currency(amount, currency, locale=locale, decimal_quantization=False)
    symbol = get_currency_symbol(currency, locale=locale)
    if text.startswith(symbol) and symbol[-1:].isalpha() and text[len(symbol):][:1].isdigit():
        return f"{symbol}\u00a0{text[len(symbol):]}"
    if text.endswith(symbol) and symbol[:1].isalpha() and text[:-len(symbol)][-1:].isdigit():
        return f"{text[:-len(symbol)]}\u00a0{symbol}"
    return text


def values() -> list[Decimal]:
    found = []
    for text in MAGNITUDES:
        found += [Decimal(text), -Decimal(text)]
    found += [Decimal("-0"), Decimal("-0.00"), Decimal(0), Decimal(12345), Decimal(-7)]
    return found


@pytest.mark.parametrize(("language", "currency"), list(itertools.product(LOCALES, CURRENCIES)))
def test_fast_formatter_matches_babel(language: str, currency: str) -> None:
    locale = Locale.parse(language)
    formatter = MoneyFormat.of(locale, currency)
    assert formatter.fast  # the en and es patterns are on the fast path
    for value in values():
        assert formatter.format(value) == reference(value, currency, locale), (value, currency)


@pytest.mark.parametrize("language", ["en", "es", "de_CH", "hi", "fr", "ar"])
def test_other_locales_match_babel_too(language: str) -> None:
    # A pattern the fast path does not cover (Indian grouping, quotes…) falls back to Babel.
    locale = Locale.parse(language)
    for currency in ("USD", "EUR", "INR", "CHF", "JPY"):
        formatter = MoneyFormat.of(locale, currency)
        for value in values():
            assert formatter.format(value) == reference(value, currency, locale)


@pytest.mark.parametrize("language", LOCALES)
def test_the_filter_uses_it(app: Flask, language: str) -> None:
    with app.test_request_context("/", headers={"Accept-Language": language}):
        for currency, value in itertools.product(CURRENCIES, values()):
            assert money(value, currency) == reference(value, currency, Locale.parse(language))
        assert money(7, "USD") == reference(Decimal(7), "USD", Locale.parse(language))
        assert money(None, "USD") == ""


def test_special_values_fall_back_to_babel() -> None:
    locale = Locale.parse("en")
    for value in (Decimal("Infinity"), Decimal("-Infinity")):
        assert MoneyFormat.of(locale, "USD").format(value) == reference(value, "USD", locale)
