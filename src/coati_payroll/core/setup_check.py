"""Checks of a payroll setup that no single formula can see (codes, loans, caps, defaults).

Raises :class:`~coati_payroll.core.errors.ConfigurationError` naming the subject.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Final

from coati_payroll.core.errors import ConfigurationError
from coati_payroll.core.model import ConceptKind, FieldType, PayrollSetup
from coati_payroll.core.results import BASE_LINE
from coati_payroll.core.vocabulary import EMPLOYEE_NAMES, TOTAL_NAMES

CODE_PATTERN: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_RESERVED: Final = frozenset({"and", "or", "not", "if", "true", "false", BASE_LINE,
                              *EMPLOYEE_NAMES, *TOTAL_NAMES})
_FIELD_PYTHON_TYPES: Final = {FieldType.NUMBER: Decimal, FieldType.TEXT: str,
                              FieldType.DATE: date, FieldType.BOOLEAN: bool}


def _check_code(code: str, what: str) -> None:
    if not CODE_PATTERN.match(code):
        raise ConfigurationError(
            f"{what} code {code!r} must start with a letter and use only letters, digits and _",
            subject=code, code="bad_code")


def field_value_matches(field_type: FieldType, value: object) -> bool:
    """True when ``value`` is of the Python type a custom field of ``field_type`` holds."""
    expected = _FIELD_PYTHON_TYPES[field_type]
    if field_type is FieldType.NUMBER:
        return isinstance(value, Decimal)
    if field_type is FieldType.DATE:
        return isinstance(value, date)
    return isinstance(value, expected)


def check_setup(setup: PayrollSetup) -> None:
    """Validate what the formula compiler cannot: codes, duplicates, loans, caps, defaults."""
    period = setup.period
    if period.end < period.start:
        raise ConfigurationError(f"period ends ({period.end}) before it starts ({period.start})",
                                 subject="period", code="bad_period")
    payroll_type = setup.payroll_type
    if not 1 <= payroll_type.fiscal_year_start_month <= 12:
        raise ConfigurationError("fiscal_year_start_month must be 1 to 12",
                                 subject="payroll_type", code="bad_fiscal_month")
    for name, value in (("days_per_month", payroll_type.days_per_month),
                        ("hours_per_day", payroll_type.hours_per_day),
                        ("divisor", payroll_type.effective_divisor),
                        ("periods_per_year", Decimal(payroll_type.effective_periods_per_year))):
        if value <= 0:
            raise ConfigurationError(f"{name} must be positive, not {value}",
                                     subject="payroll_type", code="not_positive", name=name)
    seen: set[str] = set()
    for concept in setup.concepts:
        _check_code(concept.code, "concept")
        if concept.code in _RESERVED:
            raise ConfigurationError(f"{concept.code!r} is a reserved name; choose another code",
                                     subject=concept.code, code="reserved_code")
        if concept.code in seen:
            raise ConfigurationError("two concepts have this code", subject=concept.code,
                                     code="duplicate_code")
        seen.add(concept.code)
        if concept.loan and concept.kind is not ConceptKind.DEDUCTION:
            raise ConfigurationError("only a deduction can repay loans", subject=concept.code,
                                     code="loan_not_deduction")
        if concept.cap is not None and concept.floor is not None and concept.cap < concept.floor:
            raise ConfigurationError(f"cap {concept.cap} is below floor {concept.floor}",
                                     subject=concept.code, code="cap_below_floor")
        for tag in concept.tags:
            _check_code(tag, "tag")
    for code, table in setup.tables.items():
        if code != table.name:
            raise ConfigurationError(f"table registered as {code!r} is named {table.name!r}",
                                     subject=code, code="table_name_mismatch")
    for code, field_def in setup.custom_fields.items():
        _check_code(code, "custom field")
        if field_def.default is not None and not field_value_matches(field_def.type,
                                                                     field_def.default):
            raise ConfigurationError(
                f"default {field_def.default!r} is not a {field_def.type.value}",
                subject=code, code="bad_default")
    for code in setup.inputs:
        _check_code(code, "input")
    accumulator_codes: set[str] = set()
    for accumulator in setup.accumulators:
        _check_code(accumulator.code, "accumulator")
        if accumulator.code in accumulator_codes:
            raise ConfigurationError("two accumulators have this code", subject=accumulator.code,
                                     code="duplicate_code")
        accumulator_codes.add(accumulator.code)
    for code, rate in setup.exchange_rates.items():
        if rate <= 0:
            raise ConfigurationError(f"exchange rate for {code} must be positive, not {rate}",
                                     subject=code, code="bad_exchange_rate")
