"""Alembic migration scripts (run them with :mod:`coati_payroll.db.migrate`)."""
