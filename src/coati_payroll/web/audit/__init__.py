"""The audit log browser: filters, keyset pages and the before → after view of an entry (read
only; every role)."""

from coati_payroll.web.audit.routes import blueprint

__all__ = ["blueprint"]
