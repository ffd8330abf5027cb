"""Golden scenarios: every ``tests/golden/*.yaml`` must compute exactly what it expects.

Each file is a scenario (docs/scenarios.md) whose ``expected`` blocks were worked out by hand,
independently of the engine. A file that fails to load, has no ``expected`` block, or differs
from its expectations in any amount fails its own test case with every mismatch listed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coati_payroll.scenario import ScenarioError, load_scenario, run_scenario

GOLDEN_DIR = Path(__file__).parent
GOLDEN_FILES = sorted(GOLDEN_DIR.glob("*.yaml"))
MINIMUM_SCENARIOS = 15


def test_there_are_enough_golden_scenarios() -> None:
    assert len(GOLDEN_FILES) >= MINIMUM_SCENARIOS, (
        f"only {len(GOLDEN_FILES)} golden scenario(s) in {GOLDEN_DIR}; "
        f"at least {MINIMUM_SCENARIOS} are required")


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=[path.stem for path in GOLDEN_FILES])
def test_golden_scenario(path: Path) -> None:
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        pytest.fail(f"cannot load {path.name}:\n{error}", pytrace=False)
    assert scenario.expectations, f"{path.name} has no `expected` block"
    run = run_scenario(scenario)
    mismatches = "\n".join(str(mismatch) for mismatch in run.mismatches)
    assert not run.mismatches, f"{path.name}:\n{mismatches}"
