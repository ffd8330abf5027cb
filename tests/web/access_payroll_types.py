"""Access of the payroll type pages (merged by tests/web/test_access.py)."""

ACCESS = {
    "payroll_types.index": "default",
    "payroll_types.new": "editors",
    "payroll_types.edit": "editors",
    "payroll_types.set_active": "default",
}
