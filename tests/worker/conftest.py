"""The worker tests share the run helpers of tests/services."""

from __future__ import annotations

import sys
from pathlib import Path

SERVICES = str(Path(__file__).resolve().parent.parent / "services")
if SERVICES not in sys.path:
    sys.path.insert(0, SERVICES)
