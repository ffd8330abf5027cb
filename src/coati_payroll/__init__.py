"""Coati Payroll: jurisdiction-agnostic payroll.

This module holds the version only. Importing ``coati_payroll.core`` must never load Flask,
SQLAlchemy or any other framework.
"""

__version__ = "0.1.0"
