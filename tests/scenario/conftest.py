"""Fixtures of the scenario tests."""

from __future__ import annotations

import pytest
from scenario_helpers import BASE_YAML


@pytest.fixture
def base_yaml() -> str:
    return BASE_YAML
