"""Every user-facing string of the web package has a Spanish translation.

Extracts every gettext string (``_``, ``gettext``, ``ngettext``, ``_l``, ``lazy_gettext``) from
the Python modules and templates of ``coati_payroll.web`` — the same extraction as
``pybabel extract -F translations/babel.cfg`` — and checks that the Spanish catalog translates
each with a non-empty, non-fuzzy text keeping the same placeholders. A second check fails on
text written into a template without going through the catalog.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

import coati_payroll.web
from coati_payroll.web.i18n import catalog_sources, read_catalogs

WEB = Path(coati_payroll.web.__file__).resolve().parent
CATALOG = WEB / "translations" / "es" / "LC_MESSAGES" / "messages.po"
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")
#: Text that is the same in every language.
UNTRANSLATED_OK = {"Coati Payroll"}


def extracted() -> dict[str, str]:
    """msgid → where it was found."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(WEB), METHOD_MAP, keywords=KEYWORDS):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_extraction_finds_the_strings() -> None:
    found = extracted()
    assert "Sign in" in found  # a template
    assert "Invalid username or password." in found  # Python gettext
    assert "Dashboard" in found  # lazy_gettext
    assert len(found) > 50


def test_catalogs_agree_on_shared_msgids() -> None:
    """A msgid may appear in the shared catalog and in a feature's, but with one translation."""
    translations: dict[str, dict[str, str]] = {}
    for source in catalog_sources():
        po_path = source / "es" / "LC_MESSAGES" / "messages.po"
        if po_path.exists():
            with po_path.open("rb") as po_file:
                for message in read_po(po_file, locale="es"):
                    if message.id and message.string:
                        translations.setdefault(str(message.id), {})[str(source)] = str(
                            message.string)
    disagree = {msgid: where for msgid, where in translations.items()
                if len(set(where.values())) > 1}
    assert not disagree, f"one msgid, several translations: {disagree}"


def test_every_string_has_a_spanish_translation() -> None:
    catalog = read_catalogs(catalog_sources(), "es")
    problems = []
    for msgid, where in sorted(extracted().items()):
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r} ({where})")
        elif not message.string or not str(message.string).strip():
            problems.append(f"empty: {msgid!r} ({where})")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r} ({where})")
        elif sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(str(message.string))):
            problems.append(f"placeholders differ: {msgid!r} → {message.string!r}")
    assert not problems, ("untranslated Spanish strings (run the commands in docs/web.md, "
                          "'Translations'):\n" + "\n".join(problems))


def test_catalog_headers_are_not_fuzzy() -> None:
    for source in catalog_sources():
        po_path = source / "es" / "LC_MESSAGES" / "messages.po"
        if po_path.exists():
            with po_path.open("rb") as po_file:  # a fuzzy header drops the charset
                assert not read_po(po_file, locale="es").fuzzy, po_path


def _templates() -> list[Path]:
    return sorted(WEB.rglob("templates/**/*.html"))


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(WEB)))
def test_templates_have_no_literal_text(template: Path) -> None:
    source = template.read_text()
    without_jinja = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", source, flags=re.S)
    problems = []
    for attribute in re.finditer(r'\b(title|placeholder|aria-label|alt)="([^"]*)"',
                                 without_jinja):
        if re.search(r"[A-Za-z]", attribute.group(2)):
            problems.append(f"attribute {attribute.group(0)}")
    text = re.sub(r"<[^>]*>", " ", without_jinja)
    text = re.sub(r"&[a-z]+;|&#[0-9]+;", " ", text)
    for raw in re.split(r"\s{2,}|\n", text):
        chunk = raw.strip(" ·–—-:|,.()")
        if chunk and re.search(r"[A-Za-z]", chunk) and chunk not in UNTRANSLATED_OK:
            problems.append(f"text {chunk!r}")
    assert not problems, f"{template.name}: literal text outside the catalog: {problems}"
