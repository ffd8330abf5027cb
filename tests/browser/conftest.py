"""Fixtures of the browser tests; they live in ``browser_support.py`` (see its docstring),
which the test modules import their helpers from."""

from browser_support import (  # noqa: F401
    app_server,
    browser,
    installation,
    new_page,
    start_server,
)
