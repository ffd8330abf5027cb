"""The error tree of the calculation core.

::

    PayrollError
     ├── FormulaError                 a user formula is wrong; carries source and position
     │    ├── FormulaSyntaxError      text that is not a formula (bad token, missing operand, …)
     │    ├── FormulaNameError        unknown name, attribute access, dunder, unknown function/table
     │    ├── FormulaTypeError        operand or argument of the wrong type, wrong argument count
     │    ├── FormulaLimitError       formula too long or too deep, number literal too large
     │    └── FormulaEvaluationError  raised while evaluating: division by zero, huge exponent,
     │                                overflow, value outside a table
     ├── ConfigurationError           the setup cannot be compiled (concept, table, payroll type)
     │    ├── DependencyCycleError    concepts that read each other in a cycle
     │    ├── ConceptFormulaError     a concept's formula or condition does not compile;
     │    │                           wraps the FormulaError (``formula_error``, ``field``)
     │    └── TableError              a bracket or rate table that is not well formed
     └── EmployeeError                one employee cannot be computed (the others go on)
          └── MissingExchangeRateError

Every error has a stable ``code`` (snake case) and ``params`` so that the edges can translate
the message; ``str(error)`` is an English rendering for logs and the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class PayrollError(Exception):
    """Base of every error raised by the core."""

    code: str = "payroll_error"

    def __init__(self, message: str, *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.params: Mapping[str, Any] = params


class FormulaError(PayrollError):
    """A formula is wrong. ``position`` is a 0-based offset into ``source``.

    ``line`` and ``column`` are 1-based. ``str()`` shows the message, the position and a caret
    under the offending character.
    """

    code = "formula_error"

    def __init__(
        self,
        message: str,
        *,
        source: str = "",
        position: int = 0,
        code: str | None = None,
        **params: Any,
    ) -> None:
        super().__init__(message, code=code, **params)
        self.source = source
        self.position = max(0, min(position, len(source)))
        before = source[: self.position]
        self.line = before.count("\n") + 1
        self.column = self.position - (before.rfind("\n") + 1) + 1

    def with_source(self, source: str) -> FormulaError:
        """Return the same error bound to ``source`` (used when a caller knows the text)."""
        self.source = source
        before = source[: self.position]
        self.line = before.count("\n") + 1
        self.column = self.position - (before.rfind("\n") + 1) + 1
        return self

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}"
        if not self.source:
            return f"{self.message} (at {where})"
        text_line = self.source.split("\n")[self.line - 1]
        caret = " " * (self.column - 1) + "^"
        return f"{self.message} (at {where})\n  {text_line}\n  {caret}"


class FormulaSyntaxError(FormulaError):
    code = "formula_syntax"


class FormulaNameError(FormulaError):
    code = "formula_name"


class FormulaTypeError(FormulaError):
    code = "formula_type"


class FormulaLimitError(FormulaError):
    code = "formula_limit"


class FormulaEvaluationError(FormulaError):
    code = "formula_evaluation"


class ConfigurationError(PayrollError):
    """The payroll setup cannot be compiled. ``subject`` names what is wrong (a concept code…)."""

    code = "configuration"

    def __init__(
        self, message: str, *, subject: str = "", code: str | None = None, **params: Any
    ) -> None:
        super().__init__(message, code=code, subject=subject, **params)
        self.subject = subject

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}" if self.subject else self.message


class DependencyCycleError(ConfigurationError):
    code = "dependency_cycle"


class ConceptFormulaError(ConfigurationError):
    """A formula of the setup does not compile. ``subject`` is the concept (or accumulator) code,
    ``field`` the formula's field (``formula``, ``condition``, ``amount``) and ``formula_error``
    the positioned :class:`FormulaError`."""

    code = "concept_formula"

    def __init__(self, subject: str, field: str, formula_error: FormulaError) -> None:
        super().__init__(f"{field}: {formula_error}", subject=subject, field=field,
                         formula_code=formula_error.code)
        self.field = field
        self.formula_error = formula_error


class TableError(ConfigurationError):
    code = "table"


class EmployeeError(PayrollError):
    """One employee cannot be computed. The run goes on for the others."""

    code = "employee"


class MissingExchangeRateError(EmployeeError):
    code = "missing_exchange_rate"
