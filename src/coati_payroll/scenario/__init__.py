"""Scenario files: a payroll setup, employees and expected payslips in one YAML document.

Used by ``payrollctl simulate`` and the golden tests. See docs/scenarios.md for the format.
This package may import the core; the core never imports it.
"""

from coati_payroll.scenario.load import Scenario, load_scenario, load_scenario_text
from coati_payroll.scenario.run import ScenarioRun, run_scenario
from coati_payroll.scenario.schema import ScenarioError

__all__ = ["Scenario", "ScenarioError", "ScenarioRun", "load_scenario", "load_scenario_text",
           "run_scenario"]
