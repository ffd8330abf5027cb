"""Alembic environment: runs the migration scripts on the connection that
:mod:`coati_payroll.db.migrate` hands over in ``config.attributes["connection"]``.

There is no ``alembic.ini`` and no URL here: the caller (``db.migrate``, built from
``Settings.database_url`` or a test's URL) owns the connection and its transaction. SQLite
uses batch mode (``render_as_batch``), because it cannot ALTER most things in place.
"""

from __future__ import annotations

from alembic import context

import coati_payroll.db.models  # noqa: F401 - registers every table on Base.metadata
from coati_payroll.db.migrate import context_options

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations through coati_payroll.db.migrate (upgrade/downgrade/check), "
        "which passes the database connection; offline SQL generation is not supported"
    )

context.configure(connection=connection, **context_options(connection))
with context.begin_transaction():
    context.run_migrations()
