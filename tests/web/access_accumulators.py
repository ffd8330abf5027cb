"""Access of the accumulator pages (merged by tests/web/test_access.py)."""

ACCESS = {
    "accumulators.index": "default",
    "accumulators.new": "editors",
    "accumulators.edit": "editors",
    "accumulators.set_active": "default",
    "accumulators.validate": "default",
}
