"""Access of the table pages (merged by tests/web/test_access.py)."""

ACCESS = {
    "tables.index": "default",
    "tables.detail": "default",
    "tables.new": "editors",
    "tables.edit": "editors",
    "tables.delete": "default",
}
