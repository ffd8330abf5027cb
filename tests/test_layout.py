"""Test modules are imported by basename (pytest's default import mode), so two test files with
the same name in different folders break collection; this guard names the clash directly."""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def test_test_module_names_are_unique() -> None:
    names = Counter(path.name for path in Path(__file__).parent.rglob("*.py")
                    if path.name not in ("conftest.py", "__init__.py"))
    assert not [name for name, count in names.items() if count > 1]
