"""The data layer: typed SQLAlchemy 2.0 models (``db.models``, one module per aggregate), the
exact column types (``db.types``), the engine and session factory (``db.engine``) and the
migration API (``db.migrate``). See docs/data-model.md.

Depends on ``coati_payroll.core`` (its enums and snapshots) and nothing above it. Importing
this package does not import the models; import ``coati_payroll.db.models`` for them.
"""
