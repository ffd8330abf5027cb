"""Language and formatting: English and Spanish, per user.

Locale of a request: the signed-in user's ``language``; else the language picked with the
switcher (kept in the session); else the best of the browser's Accept-Language among en/es;
else DEFAULT_LANGUAGE. Date-times are shown in TIMEZONE.

Jinja filters (all with Babel, for the request's locale):

* ``amount|money(currency)`` — ``Decimal("1234.5")|money("USD")`` → ``$1,234.50`` (en),
  ``1234,50 US$`` (es). The Decimal is formatted as it is: never converted to float, never
  rounded (Babel's ``decimal_quantization=False``: at least the currency's minor digits are
  shown, more only if the value has them — amounts are rounded by the core, not here).
* ``value|number`` — a Decimal or int with the locale's separators, every digit kept.
* ``day|date`` (``"short"``, ``"medium"`` default, ``"long"``) and ``moment|datetime``.

Floats are refused (``TypeError``): money must never pass through binary floating point.

Catalogs: ``translations/es/LC_MESSAGES/messages.po`` (shared strings) and each feature
package's own ``<feature>/translations/es/LC_MESSAGES/messages.po`` are the sources;
:func:`compile_catalogs` merges and compiles them at app start into ``<instance>/translations``
(atomic replace), so installs carry no binary files and a changed .po takes effect on restart.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final

from babel import Locale
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, get_currency_symbol
from flask import Flask, request, session
from flask_babel import format_datetime, get_locale

from coati_payroll.settings import Settings

__all__ = [
    "LANGUAGES",
    "compile_catalogs",
    "init_i18n",
    "money",
    "number",
    "select_locale",
]

log = logging.getLogger(__name__)

#: Language code → its name in that language (for the switcher; never translated).
LANGUAGES: Final = {"en": "English", "es": "Español"}
SOURCE_DIR: Final = Path(__file__).resolve().parent / "translations"
DOMAIN: Final = "messages"


def select_locale() -> str:
    from coati_payroll.web.extensions import state
    from coati_payroll.web.security import current_user

    user = current_user()
    if user is not None and str(user.language) in LANGUAGES:
        return str(user.language)
    chosen = session.get("language")
    if isinstance(chosen, str) and chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(list(LANGUAGES))
    return best or state().settings.default_language


def _locale() -> Locale:
    return get_locale() or Locale.parse("en")


def _decimal(value: Decimal | int, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} needs a Decimal or an int, not {type(value).__name__}")
    return Decimal(value)


def money(amount: Decimal | int | None, currency: str) -> str:
    """``amount`` in ``currency`` for the request's locale; '' for None."""
    if amount is None:
        return ""
    locale = _locale()
    text = format_currency(_decimal(amount, "money"), currency, locale=locale,
                           decimal_quantization=False)
    return _currency_spacing(text, get_currency_symbol(currency, locale=locale))


def _currency_spacing(text: str, symbol: str) -> str:
    """CLDR's currency spacing, which Babel leaves out: a symbol ending (starting) in a letter
    gets a no-break space before (after) the digits — ``NIO1,000.00`` → ``NIO 1,000.00``."""
    if text.startswith(symbol) and symbol[-1:].isalpha() and text[len(symbol):][:1].isdigit():
        return f"{symbol}\u00a0{text[len(symbol):]}"
    if text.endswith(symbol) and symbol[:1].isalpha() and text[:-len(symbol)][-1:].isdigit():
        return f"{text[:-len(symbol)]}\u00a0{symbol}"
    return text


def number(value: Decimal | int | None) -> str:
    """``value`` with the locale's separators, every digit kept; '' for None."""
    if value is None:
        return ""
    return format_decimal(_decimal(value, "number"), locale=_locale(),
                          decimal_quantization=False)


def date_filter(value: date | None, format: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return datetime_filter(value, format)
    return format_date(value, format, locale=_locale())


def datetime_filter(value: datetime | None, format: str = "medium") -> str:
    """A date-time in TIMEZONE (naive values are taken as UTC)."""
    if value is None:
        return ""
    return str(format_datetime(value, format))


def catalog_sources(web_dir: Path = SOURCE_DIR.parent) -> list[Path]:
    """Every translations folder of the web app: the shared one and one per feature package
    (``web/<feature>/translations``), so that features keep their own catalogs."""
    return [web_dir / "translations", *sorted(web_dir.glob("*/translations"))]


def read_catalogs(sources: list[Path], language: str) -> Catalog:
    """The ``language`` catalogs of ``sources`` merged into one (a later source wins a msgid
    that two define, which the translation test forbids)."""
    merged = Catalog(locale=language, domain=DOMAIN)
    for source in sources:
        po_path = source / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po_path.exists():
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language, domain=DOMAIN)
        for message in catalog:
            if message.id:
                merged[message.id] = message
    return merged


def compile_catalogs(sources: list[Path], target: Path) -> Path:
    """Compile the ``messages.po`` of every language found in ``sources`` (merged, see
    :func:`read_catalogs`) into ``target``; returns ``target``. Files are replaced atomically
    (several processes may start at once)."""
    languages = sorted({po.parent.parent.name for source in sources
                        for po in source.glob(f"*/LC_MESSAGES/{DOMAIN}.po")})
    for language in languages:
        catalog = read_catalogs(sources, language)
        out_dir = target / language / "LC_MESSAGES"
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=out_dir, suffix=".mo.tmp")
        try:
            with os.fdopen(fd, "wb") as mo_file:
                write_mo(mo_file, catalog)  # fuzzy entries are left out
            os.replace(temporary, out_dir / f"{DOMAIN}.mo")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return target


def init_i18n(app: Flask, settings: Settings) -> None:
    from coati_payroll.web.extensions import babel

    try:
        compiled = compile_catalogs(catalog_sources(), settings.instance_path / "translations")
    except OSError as error:  # e.g. a read-only instance folder: compile somewhere private
        compiled = compile_catalogs(catalog_sources(),
                                    Path(tempfile.mkdtemp(prefix="coati-i18n-")))
        log.warning("instance folder not writable (%s); catalogs compiled to %s",
                    error, compiled)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    app.config["BABEL_DEFAULT_LOCALE"] = settings.default_language
    app.config["BABEL_DEFAULT_TIMEZONE"] = settings.timezone
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters.update(money=money, number=number, date=date_filter,
                                 datetime=datetime_filter)

    @app.context_processor
    def inject_languages() -> dict[str, object]:
        return {"languages": LANGUAGES, "current_language": str(_locale().language)}
