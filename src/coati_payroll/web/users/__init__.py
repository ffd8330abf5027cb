"""User administration (admin only): list, create, change role/e-mail/language,
activate/deactivate and reset a password."""

from coati_payroll.web.users.routes import blueprint

__all__ = ["blueprint"]
