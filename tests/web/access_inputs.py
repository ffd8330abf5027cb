"""Access of the input pages (merged by tests/web/test_access.py)."""

ACCESS = {
    "inputs.index": "default",
    "inputs.new": "editors",
    "inputs.edit": "editors",
    "inputs.set_active": "default",
}
