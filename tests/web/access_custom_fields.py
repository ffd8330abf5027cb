"""Access classes of the custom fields feature (see tests/web/test_access.py)."""

ACCESS = {
    "custom_fields.index": "default",
    "custom_fields.new": "editors",
    "custom_fields.edit": "editors",
    "custom_fields.activate": "default",
    "custom_fields.deactivate": "default",
    "custom_fields.delete": "default",
}
