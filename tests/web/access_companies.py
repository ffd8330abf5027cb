"""Access classes of the companies feature (see tests/web/test_access.py)."""

ACCESS = {
    "companies.index": "default",
    "companies.new": "editors",
    "companies.edit": "editors",
    "companies.activate": "default",
    "companies.deactivate": "default",
    "companies.delete": "default",
}
