"""The positioned YAML reader: exact decimals from float text, dates, lines, refusals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from coati_payroll.scenario.yaml_source import (
    MapNode,
    Scalar,
    SeqNode,
    YamlSourceError,
    parse_yaml,
)


def scalar(text: str) -> Scalar:
    root = parse_yaml(f"v: {text}\n")
    assert isinstance(root, MapNode)
    node = root.entries["v"].value
    assert isinstance(node, Scalar)
    return node


@pytest.mark.parametrize(("text", "expected"), [
    ("0.1", Decimal("0.1")),
    ("10000.5", Decimal("10000.5")),
    ("1_000.25", Decimal("1000.25")),
    ("-3.30", Decimal("-3.30")),
    ("123456789.123456789123", Decimal("123456789.123456789123")),
])
def test_float_looking_scalars_become_decimal_from_their_text(text: str,
                                                              expected: Decimal) -> None:
    value = scalar(text).value
    assert isinstance(value, Decimal)
    assert value == expected
    assert str(value) == str(expected)  # same digits, same exponent: never through float


def test_plain_digits_are_decimal_integers_not_octal() -> None:
    assert scalar("010").value == 10
    assert scalar("10").value == 10
    assert scalar("010").text == "010"


def test_dates_stay_dates_and_datetimes_are_kept_distinct() -> None:
    assert scalar("2026-01-31").value == date(2026, 1, 31)
    assert isinstance(scalar("2026-01-31 10:00:00").value, datetime)


def test_impossible_date_is_kept_as_text() -> None:
    assert scalar("2026-02-30").value == "2026-02-30"


def test_null_bool_and_quoted_scalars() -> None:
    assert scalar("null").value is None
    assert scalar("~").value is None
    assert scalar("yes").value is True
    assert scalar("no").text == "no"  # the source text survives for text fields
    quoted = scalar('"0.1"')
    assert quoted.value == "0.1"
    assert quoted.quoted


def test_infinity_and_nan_are_not_numbers() -> None:
    assert scalar(".inf").value == ".inf"
    assert scalar(".nan").value == ".nan"


def test_every_node_knows_its_line_and_column() -> None:
    root = parse_yaml("a: 1\nb:\n  - x\n  - {c: 2.5}\n")
    assert isinstance(root, MapNode)
    assert root.entries["a"].line == 1
    assert root.entries["b"].line == 2
    items = root.entries["b"].value
    assert isinstance(items, SeqNode)
    assert [item.line for item in items.items] == [3, 4]
    inner = items.items[1]
    assert isinstance(inner, MapNode)
    assert inner.entries["c"].line == 4
    assert inner.entries["c"].value.column == 9


def test_duplicate_key_is_refused_with_both_lines() -> None:
    with pytest.raises(YamlSourceError) as info:
        parse_yaml("a: 1\nb: 2\na: 3\n")
    assert info.value.line == 3
    assert "first given on line 1" in info.value.message


def test_merge_keys_are_refused() -> None:
    with pytest.raises(YamlSourceError) as info:
        parse_yaml("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert info.value.line == 3
    assert "merge" in info.value.message


def test_aliases_are_allowed() -> None:
    root = parse_yaml("rate: &r 0.07\nother: *r\n")
    assert isinstance(root, MapNode)
    value = root.entries["other"].value
    assert isinstance(value, Scalar)
    assert value.value == Decimal("0.07")


def test_invalid_yaml_reports_its_line() -> None:
    with pytest.raises(YamlSourceError) as info:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n")
    assert info.value.line >= 2
    assert info.value.message.startswith("invalid YAML")


def test_empty_document() -> None:
    assert parse_yaml("") is None
    assert parse_yaml("# only a comment\n") is None
