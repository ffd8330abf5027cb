"""Typed, positioned reading of a scenario document.

An :class:`At` is a node of the YAML tree with its key path (``employees[3].salary``). The
readers here turn an ``At`` into a typed value or raise :class:`Invalid`, which carries the
line and the path; :class:`Problems` collects them so that one load can report several
mistakes, and :class:`ScenarioError` renders them as ``file:line: path: message``.

List indexes in paths are 0-based, like JSON pointers and Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import NoReturn, TypeVar

from coati_payroll.core.money import to_decimal
from coati_payroll.scenario.yaml_source import MapNode, Scalar, SeqNode, YamlNode, describe

E = TypeVar("E", bound=StrEnum)

#: What a concept, input, field, table or accumulator code must look like (a formula name).
CODE_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}\Z")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in a scenario file: 1-based ``line`` (0 when unknown), key ``path``,
    ``message`` (may continue on indented lines, e.g. a formula with a caret)."""

    line: int
    path: str
    message: str

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line else source
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario file cannot be used. ``problems`` lists every mistake found (at least one);
    ``str()`` gives one ``file:line: path: message`` line per problem."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(problem.render(source) for problem in self.problems))


class Invalid(Exception):
    """One mistake at one node; raised by the readers and collected by :class:`Problems`."""

    def __init__(self, line: int, path: str, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(line, path, message)


class Problems:
    """Collects :class:`Invalid` raised inside :meth:`guard` blocks."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[Problem] = []

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Run a block; an :class:`Invalid` it raises is recorded and the load goes on."""
        try:
            yield
        except Invalid as invalid:
            self.items.append(invalid.problem)

    def add(self, line: int, path: str, message: str) -> None:
        self.items.append(Problem(line, path, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ScenarioError(self.source, self.items)


@dataclass(frozen=True, slots=True)
class At:
    """A node and its key path."""

    node: YamlNode
    path: str

    @property
    def line(self) -> int:
        return self.node.line

    def fail(self, message: str) -> NoReturn:
        raise Invalid(self.node.line, self.path, message)

    @property
    def is_null(self) -> bool:
        return isinstance(self.node, Scalar) and self.node.value is None


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# -- containers -------------------------------------------------------------------------------

def mapping(at: At, required: Iterable[str] = (), optional: Iterable[str] = ()) -> dict[str, At]:
    """The keys of a mapping, checked against the known ones.

    Returns the present keys whose value is not null. Raises :class:`Invalid` for a node that is
    not a mapping, an unknown key (at the key's line) or a missing or null required key.
    """
    node = at.node
    if not isinstance(node, MapNode):
        at.fail(f"expected a mapping, got {describe(node)}")
    required = tuple(required)
    known = set(required) | set(optional)
    for key, entry in node.entries.items():
        if key not in known:
            hint = ", ".join(sorted(known)) or "none"
            raise Invalid(entry.line, join(at.path, key), f"unknown key (known keys: {hint})")
    result: dict[str, At] = {}
    for key, entry in node.entries.items():
        child = At(entry.value, join(at.path, key))
        if not child.is_null:
            result[key] = child
    for key in required:
        if key not in node.entries:
            at.fail(f"missing required key {key!r}")
        if key not in result:
            raise Invalid(node.entries[key].line, join(at.path, key), "must not be empty")
    return result


def entries(at: At) -> list[tuple[str, At]]:
    """The (key, value) pairs of a mapping whose keys are free (codes, ids)."""
    node = at.node
    if not isinstance(node, MapNode):
        at.fail(f"expected a mapping, got {describe(node)}")
    return [(key, At(entry.value, join(at.path, key))) for key, entry in node.entries.items()]


def key_code(parent: At, key: str, what: str = "code",
             pattern: re.Pattern[str] = CODE_PATTERN) -> str:
    """Check that ``key`` of the mapping ``parent`` is a valid code; fails at the key's line."""
    if not pattern.match(key):
        node = parent.node
        line = node.entries[key].line if isinstance(node, MapNode) else node.line
        raise Invalid(line, join(parent.path, key), f"{key!r} is not a valid {what}")
    return key


def sequence(at: At) -> list[At]:
    """The items of a list, each with its ``path[index]``."""
    node = at.node
    if not isinstance(node, SeqNode):
        at.fail(f"expected a list, got {describe(node)}")
    return [At(item, f"{at.path}[{index}]") for index, item in enumerate(node.items)]


# -- scalars ----------------------------------------------------------------------------------

def _scalar(at: At, what: str) -> Scalar:
    node = at.node
    if not isinstance(node, Scalar):
        at.fail(f"expected {what}, got {describe(node)}")
    if node.value is None:
        at.fail(f"expected {what}, got nothing (null)")
    return node


def text(at: At) -> str:
    """Text as written (``001`` stays ``001``; ``no`` stays ``no``)."""
    return _scalar(at, "text").text


def code(at: At, what: str = "code") -> str:
    """A code usable as a formula name: letters, digits and ``_``, not starting with a digit."""
    value = text(at)
    if not CODE_PATTERN.match(value):
        at.fail(f"{value!r} is not a valid {what} (a letter, then letters, digits and _)")
    return value


def currency_code(at: At) -> str:
    value = text(at)
    if not CURRENCY_PATTERN.match(value):
        at.fail(f"{value!r} is not a currency code (three capital letters, e.g. USD)")
    return value


def amount(at: At, *, positive: bool = False, non_negative: bool = False) -> Decimal:
    """An exact decimal: a quoted or plain number; floats never pass through ``float``."""
    node = _scalar(at, "a decimal amount")
    value = node.value
    if isinstance(value, bool) or isinstance(value, date):
        at.fail(f"{node.text!r} is not a decimal amount")
    try:
        number = to_decimal(value)
    except (TypeError, ValueError):
        at.fail(f"{node.text!r} is not a decimal amount")
    if positive and number <= 0:
        at.fail(f"{node.text!r} must be greater than zero")
    if non_negative and number < 0:
        at.fail(f"{node.text!r} must not be negative")
    return number


def optional_amount(at: At | None, **checks: bool) -> Decimal | None:
    return None if at is None else amount(at, **checks)


def integer(at: At, *, low: int | None = None, high: int | None = None) -> int:
    node = _scalar(at, "a whole number")
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        at.fail(f"{node.text!r} is not a whole number")
    try:
        number = to_decimal(value)
    except ValueError:
        at.fail(f"{node.text!r} is not a whole number")
    if number != number.to_integral_value():
        at.fail(f"{node.text!r} is not a whole number")
    result = int(number)
    if (low is not None and result < low) or (high is not None and result > high):
        bounds = f"from {low}" if high is None else f"from {low} to {high}"
        at.fail(f"{result} is out of range ({bounds})")
    return result


def day(at: At) -> date:
    """A calendar date written ``YYYY-MM-DD`` (quoted or not)."""
    node = _scalar(at, "a date (YYYY-MM-DD)")
    value = node.value
    if isinstance(value, datetime):
        at.fail(f"{node.text!r} is a date and time; write the date only (YYYY-MM-DD)")
    if isinstance(value, date):
        return value
    try:
        if DATE_PATTERN.match(node.text.strip()):
            return date.fromisoformat(node.text.strip())
    except ValueError:
        pass
    at.fail(f"{node.text!r} is not a valid date (YYYY-MM-DD)")


def boolean(at: At) -> bool:
    node = _scalar(at, "true or false")
    if not isinstance(node.value, bool):
        at.fail(f"{node.text!r} is not true or false")
    return node.value


def choice(at: At, enum: type[E]) -> E:
    """A member of ``enum`` by its value (case-insensitive)."""
    value = text(at)
    try:
        return enum(value.lower())
    except ValueError:
        options = ", ".join(member.value for member in enum)
        at.fail(f"{value!r} is not one of: {options}")


def code_list(at: At, what: str = "code") -> list[str]:
    """A list of codes, or one code on its own."""
    if isinstance(at.node, Scalar):
        return [code(at, what)]
    return [code(item, what) for item in sequence(at)]
