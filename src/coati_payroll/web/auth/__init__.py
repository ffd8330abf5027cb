"""Sign-in, sign-out, own password and language (the login page is public; the rest needs
any signed-in role)."""

from coati_payroll.web.auth.routes import blueprint

__all__ = ["blueprint"]
