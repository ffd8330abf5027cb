"""Tokenizer of the formula language.

:func:`tokenize` turns formula text into a list of :class:`Token` ending with an ``END`` token.
It is a single left-to-right scan with no regular expressions over user text and no recursion.

Token kinds (``Token.kind``):

* ``NUMBER`` — ``12``, ``12.50``, ``.5``; ``value`` is the exact :class:`~decimal.Decimal`. A
  ``%`` written right after the digits (``7%``, ``7.5%``) is part of the literal and divides it
  by 100 exactly (``value`` is ``0.07``).
* ``STRING`` — ``"SALES"``; ``value`` is the text with the ``\\"`` and ``\\\\`` escapes resolved.
* ``NAME`` — ``gross`` or ``input.OVERTIME`` (identifiers joined by dots with no spaces); the
  number of dots is checked later, by the checker.
* ``KEYWORD`` — ``and or not true false if``.
* ``OP`` — ``+ - * / ^ ( ) , == != < <= > >=`` and the lone ``=`` (which the parser rejects with a
  hint), ``.`` (attribute access, rejected by the parser) and a stray ``%``.
* ``END`` — the end of the text (``position == len(source)``).

Raises :class:`~coati_payroll.core.errors.FormulaLimitError` (``too_long``,
``number_too_large``), :class:`~coati_payroll.core.errors.FormulaSyntaxError`
(``unexpected_token``, ``unterminated_string``, ``invalid_escape``) and
:class:`~coati_payroll.core.errors.FormulaNameError` (``dunder_name``: an identifier that starts
or ends with two underscores is refused as soon as it is seen).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from coati_payroll.core.errors import FormulaLimitError, FormulaNameError, FormulaSyntaxError

#: Longest accepted formula, in characters.
MAX_SOURCE_LENGTH: Final = 4000
#: Most significant digits in one number literal.
MAX_NUMBER_DIGITS: Final = 30

KEYWORDS: Final = frozenset({"and", "or", "not", "true", "false", "if"})

NUMBER: Final = "NUMBER"
STRING: Final = "STRING"
NAME: Final = "NAME"
KEYWORD: Final = "KEYWORD"
OP: Final = "OP"
END: Final = "END"

_DIGITS: Final = frozenset("0123456789")
_IDENT_START: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_IDENT_CHARS: Final = _IDENT_START | _DIGITS
_WHITESPACE: Final = frozenset(" \t\r\n")
_SINGLE_OPS: Final = frozenset("+-*/^(),%.")
_HINTS: Final[dict[str, str]] = {
    "'": "text goes in double quotes, like \"SALES\"",
    "&": "use 'and'",
    "|": "use 'or'",
    "[": "lists are not part of the language",
    "{": "braces are not part of the language",
    ";": "a formula is a single expression",
    ":": "a formula is a single expression",
}


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its exact text, its 0-based offset and (literals) its value."""

    kind: str
    text: str
    position: int
    value: Decimal | str | None = None


def is_dunder(segment: str) -> bool:
    """True for identifier segments that look like Python internals (``__x``, ``x__``)."""
    return segment.startswith("__") or segment.endswith("__")


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens (see the module docstring); the last token is ``END``."""
    length = len(source)
    if length > MAX_SOURCE_LENGTH:
        raise FormulaLimitError(
            f"formula is too long ({length} characters; the limit is {MAX_SOURCE_LENGTH})",
            source=source, position=MAX_SOURCE_LENGTH, code="too_long",
            length=length, limit=MAX_SOURCE_LENGTH)
    tokens: list[Token] = []
    i = 0
    while i < length:
        char = source[i]
        if char in _WHITESPACE:
            i += 1
        elif char in _DIGITS or (char == "." and i + 1 < length and source[i + 1] in _DIGITS):
            i = _number(source, i, tokens)
        elif char in _IDENT_START:
            i = _name(source, i, tokens)
        elif char == '"':
            i = _string(source, i, tokens)
        elif char in "=!<>":
            i = _comparison(source, i, tokens)
        elif char in _SINGLE_OPS:
            tokens.append(Token(OP, char, i))
            i += 1
        else:
            hint = _HINTS.get(char, "")
            raise FormulaSyntaxError(
                f"unexpected character {char!r}" + (f"; {hint}" if hint else ""),
                source=source, position=i, code="unexpected_token", token=char)
    tokens.append(Token(END, "", length))
    return tokens


def _number(source: str, start: int, tokens: list[Token]) -> int:
    length = len(source)
    i = start
    while i < length and source[i] in _DIGITS:
        i += 1
    if i < length and source[i] == ".":
        i += 1
        if i >= length or source[i] not in _DIGITS:
            raise FormulaSyntaxError(
                "a digit must follow the decimal point (write 12.0 or 12)",
                source=source, position=i, code="unexpected_token",
                token=source[i:i + 1])
        while i < length and source[i] in _DIGITS:
            i += 1
    text = source[start:i]
    if i < length and (source[i] in _IDENT_CHARS or source[i] == "."):
        raise FormulaSyntaxError(
            f"unexpected {source[i]!r} after the number {text}",
            source=source, position=i, code="unexpected_token", token=source[i])
    significant = len(text.replace(".", "").lstrip("0"))
    if significant > MAX_NUMBER_DIGITS:
        raise FormulaLimitError(
            f"number has {significant} significant digits; the limit is {MAX_NUMBER_DIGITS}",
            source=source, position=start, code="number_too_large",
            digits=significant, limit=MAX_NUMBER_DIGITS)
    value = Decimal(text)
    if i < length and source[i] == "%":
        i += 1
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        value = Decimal((sign, digits, exponent - 2))
    tokens.append(Token(NUMBER, source[start:i], start, value))
    return i


def _name(source: str, start: int, tokens: list[Token]) -> int:
    length = len(source)
    i = start
    segment_start = start
    while True:
        while i < length and source[i] in _IDENT_CHARS:
            i += 1
        segment = source[segment_start:i]
        if is_dunder(segment):
            raise FormulaNameError(
                f"names with double underscores are not allowed: {segment}",
                source=source, position=segment_start, code="dunder_name", name=segment)
        if i + 1 < length and source[i] == "." and source[i + 1] in _IDENT_START:
            i += 1
            segment_start = i
            continue
        break
    text = source[start:i]
    tokens.append(Token(KEYWORD if text in KEYWORDS else NAME, text, start))
    return i


def _string(source: str, start: int, tokens: list[Token]) -> int:
    length = len(source)
    i = start + 1
    parts: list[str] = []
    while True:
        if i >= length or source[i] == "\n":
            raise FormulaSyntaxError(
                "text is not closed: a double quote is missing",
                source=source, position=start, code="unterminated_string")
        char = source[i]
        if char == '"':
            break
        if char == "\\":
            following = source[i + 1:i + 2]
            if following not in ('"', "\\"):
                raise FormulaSyntaxError(
                    'only \\" and \\\\ escapes are allowed in text',
                    source=source, position=i, code="invalid_escape", escape=following)
            parts.append(following)
            i += 2
        else:
            parts.append(char)
            i += 1
    tokens.append(Token(STRING, source[start:i + 1], start, "".join(parts)))
    return i + 1


def _comparison(source: str, start: int, tokens: list[Token]) -> int:
    char = source[start]
    two = source[start:start + 2]
    if two in ("==", "!=", "<=", ">="):
        tokens.append(Token(OP, two, start))
        return start + 2
    if char in "<>":
        tokens.append(Token(OP, char, start))
        return start + 1
    if char == "=":
        tokens.append(Token(OP, "=", start))  # refused by the parser with a hint
        return start + 1
    raise FormulaSyntaxError(
        "unexpected '!'; use '!=' to compare or 'not' to negate",
        source=source, position=start, code="unexpected_token", token="!")
