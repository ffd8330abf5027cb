"""Access of the payroll definition activation (merged by tests/web/test_access.py)."""

ACCESS = {
    "definition_status.set_active": "default",
}
