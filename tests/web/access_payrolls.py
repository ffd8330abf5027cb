"""Access of the payroll definition pages (merged by tests/web/test_access.py)."""

ACCESS = {
    "payrolls.index": "default",
    "payrolls.new": "editors",
    "payrolls.edit": "editors",
    "payrolls.detail": "default",
    "payrolls.clone": "editors",
    "payrolls.add_employee": "default",
    "payrolls.add_company_employees": "default",
    "payrolls.remove_employee": "default",
    "payrolls.add_concept": "default",
    "payrolls.set_priority": "default",
    "payrolls.remove_concept": "default",
}
