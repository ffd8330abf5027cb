"""Access classes of the user administration (see tests/web/test_access.py): admin only."""

ACCESS = {
    "users.index": "admin",
    "users.new": "admin",
    "users.edit": "admin",
    "users.password": "admin",
    "users.activate": "admin",
    "users.deactivate": "admin",
}
