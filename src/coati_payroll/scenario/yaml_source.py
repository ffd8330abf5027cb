"""A YAML reader that keeps where every key and value came from.

PyYAML's composer gives a node graph with positions; this module turns it into a small tree of
:class:`Scalar`, :class:`MapNode` and :class:`SeqNode`, each carrying its 1-based line and
column, so that validation can say ``demo.yaml:42: employees[3].salary: …``.

Scalars are converted with the YAML 1.1 implicit types PyYAML resolves, with two deliberate
differences:

* a float-looking scalar (``10000.5``) becomes ``Decimal`` built from its source **text**, never
  through ``float``, so ``0.1`` is exactly ``Decimal("0.1")``;
* a plain run of digits (``010``) is a decimal integer, not YAML 1.1 octal.

Every scalar also keeps its source text, so a field that wants text (an employee id ``001``, a
name ``No``) can use what was written rather than the resolved value. Dates stay
``datetime.date``. Aliases are allowed (the alias reports the anchor's position); merge keys
(``<<``) and duplicate keys are refused with :class:`YamlSourceError`, because both hide which
line a value came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

#: A scalar's resolved value.
ScalarValue = None | bool | int | Decimal | str | date | datetime

_TAG = "tag:yaml.org,2002:"
_PLAIN_INT = re.compile(r"[-+]?[0-9][0-9_]*\Z")


class YamlSourceError(Exception):
    """The text is not YAML, or uses a construct this reader refuses (merge or duplicate keys).

    ``line`` is 1-based (0 when unknown).
    """

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True, slots=True)
class Scalar:
    """A scalar with its resolved ``value``, its source ``text`` and its ``style``.

    ``style`` is PyYAML's: ``None`` or ``""`` for plain, ``"'"``/``'"'`` for quoted, ``"|"`` and
    ``">"`` for block scalars.
    """

    value: ScalarValue
    text: str
    line: int
    column: int
    style: str | None = None

    @property
    def quoted(self) -> bool:
        return bool(self.style)


@dataclass(frozen=True, slots=True)
class Entry:
    """One key of a mapping: the key text, its position, and the value node."""

    key: str
    line: int
    column: int
    value: YamlNode


@dataclass(frozen=True, slots=True)
class MapNode:
    entries: dict[str, Entry]
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class SeqNode:
    items: tuple[YamlNode, ...]
    line: int
    column: int


YamlNode = Scalar | MapNode | SeqNode


def describe(node: YamlNode) -> str:
    """A short English name of the node's kind, for messages (``a list``, ``'abc'``)."""
    if isinstance(node, MapNode):
        return "a mapping"
    if isinstance(node, SeqNode):
        return "a list"
    if node.value is None:
        return "empty (null)"
    return repr(node.text)


def parse_yaml(text: str) -> YamlNode | None:
    """Parse one YAML document into a positioned tree (None for an empty document).

    Raises :class:`YamlSourceError` for invalid YAML, several documents, merge keys and
    duplicate keys.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 0
        problem = error.problem or error.context or "invalid YAML"
        raise YamlSourceError(f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as error:
        raise YamlSourceError(f"invalid YAML: {error}") from None
    if root is None:
        return None
    return _convert(root, set())


def _convert(node: Node, active: set[int]) -> YamlNode:
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    if isinstance(node, ScalarNode):
        return Scalar(_scalar_value(node), node.value, line, column, node.style)
    if id(node) in active:
        raise YamlSourceError("recursive alias", line)
    active.add(id(node))
    try:
        if isinstance(node, SequenceNode):
            return SeqNode(tuple(_convert(item, active) for item in node.value), line, column)
        if isinstance(node, MappingNode):
            return _convert_mapping(node, active, line, column)
    finally:
        active.discard(id(node))
    raise YamlSourceError(f"unsupported YAML node {type(node).__name__}", line)  # pragma: no cover


def _convert_mapping(node: MappingNode, active: set[int], line: int, column: int) -> MapNode:
    entries: dict[str, Entry] = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if key_node.tag == _TAG + "merge":
            raise YamlSourceError("merge keys ('<<') are not supported; write the keys out",
                                  key_line)
        if not isinstance(key_node, ScalarNode):
            raise YamlSourceError("mapping keys must be plain text", key_line)
        key = key_node.value
        if key in entries:
            raise YamlSourceError(
                f"duplicate key {key!r} (first given on line {entries[key].line})", key_line)
        entries[key] = Entry(key, key_line, key_node.start_mark.column + 1,
                             _convert(value_node, active))
    return MapNode(entries, line, column)


_CONSTRUCTOR = SafeConstructor()


def _scalar_value(node: ScalarNode) -> ScalarValue:
    tag = node.tag
    text: str = node.value
    if tag == _TAG + "str":
        return text
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "bool":
        return text.lower() in {"yes", "true", "on"}
    if tag == _TAG + "int":
        if _PLAIN_INT.match(text):
            return int(text.replace("_", ""))
        value: object = _CONSTRUCTOR.construct_yaml_int(node)
        return value if isinstance(value, int) else text
    if tag == _TAG + "float":
        try:
            number = Decimal(text.replace("_", ""))
        except InvalidOperation:
            return text  # sexagesimal, .inf, .nan: kept as text; amounts refuse it later
        return number if number.is_finite() else text
    if tag == _TAG + "timestamp":
        try:
            stamp: object = _CONSTRUCTOR.construct_yaml_timestamp(node)
        except ValueError:  # looks like a date but is not one (2026-02-30)
            return text
        return stamp if isinstance(stamp, date) else text
    return text
