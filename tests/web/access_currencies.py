"""Access classes of the currencies and exchange-rates feature (see tests/web/test_access.py)."""

ACCESS = {
    "currencies.index": "default",
    "currencies.new": "editors",
    "currencies.edit": "editors",
    "currencies.activate": "default",
    "currencies.deactivate": "default",
    "currencies.rates": "default",
    "currencies.rate_new": "editors",
    "currencies.rates_import": "editors",
}
