"""Translated texts of the accumulator service's problems (the rest: web/inputs/texts.py)."""

from __future__ import annotations

from typing import Final

from flask_babel import lazy_gettext as _l

from coati_payroll.web.inputs.texts import INPUT_PROBLEMS, patterns

ACCUMULATOR_PROBLEMS: Final = patterns(
    (r"^an accumulator (?P<code>\S+) already exists$",
     _l("an accumulator %(code)s already exists")),
    (r"^the code of an accumulator cannot change$",
     _l("the code of an accumulator cannot change")),
    (r"^the accumulator cannot be saved$", _l("the accumulator cannot be saved")),
    (r"^the accumulator cannot be activated$", _l("the accumulator cannot be activated")),
    (r"^accumulator (?P<code>\S+) is already active$",
     _l("accumulator %(code)s is already active")),
    (r"^accumulator (?P<code>\S+) is already inactive$",
     _l("accumulator %(code)s is already inactive")),
) + INPUT_PROBLEMS
