"""Access of the concept pages (merged by tests/web/test_access.py)."""

ACCESS = {
    "concepts.index": "default",
    "concepts.formula_help": "default",
    "concepts.new": "editors",
    "concepts.edit": "editors",
    "concepts.detail": "default",
    "concepts.diff": "default",
    "concepts.set_active": "default",
    "concepts.approve": "default",
    "concepts.reject": "default",
    "concepts.retire": "default",
    "concepts.add_case": "editors",
    "concepts.edit_case": "editors",
    "concepts.delete_case": "default",
    "concepts.validate": "default",
    "concepts.evaluate": "signed_in",
}
