"""Access classes of the employees feature (see tests/web/test_access.py)."""

ACCESS = {
    "employees.index": "default",
    "employees.detail": "default",
    "employees.new": "editors",
    "employees.edit": "editors",
    "employees.salary": "default",
    "employees.activate": "default",
    "employees.deactivate": "default",
    "employees.import_file": "editors",
    "employees.export": "default",
}
