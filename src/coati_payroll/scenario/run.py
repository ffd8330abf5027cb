"""Computing a loaded scenario and checking its ``expected`` blocks."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from coati_payroll.core.engine import PayrollResult, compute_payroll
from coati_payroll.scenario.expected import Mismatch, compare
from coati_payroll.scenario.load import Scenario


@dataclass(frozen=True, slots=True)
class ScenarioRun:
    """A scenario's payroll result and every difference from its expectations (file order)."""

    scenario: Scenario
    result: PayrollResult
    mismatches: tuple[Mismatch, ...]

    @property
    def checked(self) -> bool:
        """True when the scenario has at least one ``expected`` block."""
        return bool(self.scenario.expectations)


def run_scenario(scenario: Scenario) -> ScenarioRun:
    """Compute every employee of ``scenario`` and compare with its expectations."""
    result = compute_payroll(scenario.compiled, scenario.employees)
    zero = Decimal(0).quantize(scenario.setup.currency.rounding.minor_unit)
    mismatches: list[Mismatch] = []
    for payslip in result.payslips:
        expectation = scenario.expectations.get(payslip.employee_id)
        if expectation is not None:
            mismatches.extend(compare(expectation, payslip, zero))
    return ScenarioRun(scenario, result, tuple(mismatches))
