"""Access classes of the audit log browser (see tests/web/test_access.py): read only, every
role (the audit role included)."""

ACCESS = {
    "audit.index": "default",
    "audit.detail": "default",
}
