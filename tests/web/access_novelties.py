"""Access table of the novelty pages (merged by test_access.py)."""

ACCESS = {
    "novelties.index": "default",
    "novelties.new": "default",
    "novelties.edit": "default",
    "novelties.cancel": "default",
    "novelties.import_file": "default",
}
