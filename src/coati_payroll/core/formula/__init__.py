"""The safe formula language of the calculation core.

User formulas are data: :func:`parse` tokenizes and parses them into a syntax tree,
:func:`compile_formula` checks every name and type against a :class:`Scope` and compiles the
tree into closures. Nothing a user writes reaches ``eval``, ``exec`` or ``compile``.
See docs/formula-language.md.
"""

from coati_payroll.core.formula.compile import compile_formula
from coati_payroll.core.formula.functions import FUNCTIONS, MAX_EXPONENT, MAX_PLACES
from coati_payroll.core.formula.lexer import MAX_NUMBER_DIGITS, MAX_SOURCE_LENGTH
from coati_payroll.core.formula.parse import MAX_ARGUMENTS, MAX_DEPTH, parse
from coati_payroll.core.formula.scope import (
    TABLE_HITS,
    CompiledFormula,
    Scope,
    StaticScope,
    Value,
    ValueType,
)
from coati_payroll.core.formula.tables import Table, TableHit, TableKind, TableRangeError, TableRow

__all__ = [
    "FUNCTIONS",
    "MAX_ARGUMENTS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_NUMBER_DIGITS",
    "MAX_PLACES",
    "MAX_SOURCE_LENGTH",
    "TABLE_HITS",
    "CompiledFormula",
    "Scope",
    "StaticScope",
    "Table",
    "TableHit",
    "TableKind",
    "TableRangeError",
    "TableRow",
    "Value",
    "ValueType",
    "compile_formula",
    "parse",
]
