"""Access classes of the configuration page (see tests/web/test_access.py): admin only."""

ACCESS = {
    "settings.index": "admin",
}
