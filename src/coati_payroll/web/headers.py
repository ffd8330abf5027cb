"""Security headers on every response.

The Content-Security-Policy allows scripts, styles and fonts from this site only — no inline
scripts or styles, no ``unsafe-eval`` — so templates must put behaviour in
``static/js/app.js`` (``data-*`` attributes) and presentation in ``static/css/app.css``.
HSTS is sent only when the session cookie is Secure (production), since it pins the browser
to HTTPS. Pages shown to a signed-in user are ``Cache-Control: no-store``: payroll data must
not linger in shared or browser caches.
"""

from __future__ import annotations

from typing import Final

from flask import Flask, Response, g, request

__all__ = ["CONTENT_SECURITY_POLICY", "init_headers"]

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)
HSTS: Final = "max-age=31536000; includeSubDomains"

_ALWAYS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def init_headers(app: Flask, *, hsts: bool) -> None:
    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in _ALWAYS.items():
            response.headers[name] = value
        if hsts:
            response.headers["Strict-Transport-Security"] = HSTS
        if g.get("coati_user") is not None and request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response
