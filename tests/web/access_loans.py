"""Access table of the loan pages (merged by test_access.py)."""

ACCESS = {
    "loans.index": "default",
    "loans.new": "default",
    "loans.detail": "default",
    "loans.extra_payment": "default",
    "loans.forgive": "default",
}
