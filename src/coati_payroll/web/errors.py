"""Error pages and the translation of service errors into HTTP.

* HTTP errors (400, 401, 403, 404, 405, 413, 429, 500 …) render ``errors/error.html`` with a
  translated title and explanation, or ``{"error": code, "message": text}`` when the client
  asks for JSON. A CSRF failure is a 400 whose message says to reload the form.
* :func:`apply_service_error` — for routes: flashes a :class:`ServiceError`'s message, puts an
  :class:`InvalidInput`'s field problems next to the form's fields and returns the status to
  answer with (404 not found, 409 wrong state or conflict, 422 invalid input)::

      try:
          employees.hire(uow, actor, form.data)
      except ServiceError as error:
          status = apply_service_error(error, form)
          return render_template("employees/form.html", form=form), status

* A ServiceError a route did not catch becomes the same status with the error page.
* Unexpected exceptions: this module is the only place that catches broadly; it logs the
  exception with its context (method, path, endpoint, user) and shows a generic 500 page —
  never the exception text, which may hold SQL or data.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, flash, g, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from coati_payroll.services.errors import (
    Conflict,
    InvalidInput,
    InvalidState,
    NotFound,
    ServiceError,
)
from coati_payroll.web.security import wants_json

__all__ = ["SERVICE_TEXTS", "apply_service_error", "init_errors", "service_error_status",
           "translate"]

log = logging.getLogger("coati_payroll.web")

_TEXTS: dict[int, tuple[Any, Any]] = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    401: (_l("Sign-in required"), _l("Please sign in to continue.")),
    403: (_l("Access denied"), _l("Your role does not allow this page or action.")),
    404: (_l("Page not found"), _l("The page or record you asked for does not exist.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Conflict"), _l("The action is not possible in the current state.")),
    413: (_l("File too large"),
          _l("The upload is larger than the limit of %(limit)s. Please send a smaller file.")),
    422: (_l("Invalid data"), _l("Some values are not valid. Please correct them.")),
    429: (_l("Too many attempts"), _l("Too many requests. Please wait a minute and try again.")),
    500: (_l("Something went wrong"),
          _l("An unexpected error occurred. It was logged; please try again later.")),
}


#: Texts that services put in errors, marked here so that the catalog translates them (the
#: services stay free of Flask-Babel). ``apply_service_error`` looks every text up in the catalog;
#: a text not listed shows in English. Add the ones your feature's services raise.
SERVICE_TEXTS: tuple[Any, ...] = (
    _l("incorrect"),
    _l("at least 10 characters"),
    _l("at most 1024 characters"),
    _l("must not be only blanks"),
    _l("must not be the username"),
    _l("must differ from the current password"),
    _l("the password cannot be changed"),
    _l("the user cannot be saved"),
)


def translate(text: str) -> str:
    """``text`` from the catalog when it is there (service texts), else unchanged."""
    return gettext(text) if text else text


def service_error_status(error: ServiceError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, InvalidState | Conflict):
        return 409
    return 422


def apply_service_error(error: ServiceError, form: FlaskForm | None = None) -> int:
    """Flash ``error``'s message, attach field problems to ``form``; return the status."""
    if isinstance(error, InvalidInput) and form is not None:
        unplaced: list[str] = []
        for name, problem in error.problems.items():
            field = form._fields.get(name)
            if field is None:
                unplaced.append(f"{name}: {translate(problem)}")
            else:
                field.errors = [*field.errors, translate(problem)]
        for text in unplaced:
            flash(text, "error")
    flash(translate(error.message), "error")
    return service_error_status(error)


def _limit_text(size: int) -> str:
    from coati_payroll.web.i18n import number

    if size >= 1024 * 1024:
        return f"{number(size // (1024 * 1024))} MiB"
    return f"{number(size // 1024)} KiB"


def _render(code: int, message: str | None = None) -> Response:
    title, default = _TEXTS.get(code, (_l("Error"), _l("The request could not be completed.")))
    if message is None:
        from flask import current_app

        limit = _limit_text(int(current_app.config.get("MAX_CONTENT_LENGTH") or 0))
        message = str(default) % {"limit": limit} if code == 413 else str(default)
    if wants_json():
        response = jsonify(error=code, title=str(title), message=message)
    else:
        response = make_response(render_template("errors/error.html", code=code,
                                                 title=str(title), message=message))
    response.status_code = code
    return response


def _context() -> str:
    user = g.get("coati_user")
    who = f"user {user.id} ({user.username})" if user is not None else "anonymous"
    return f"{request.method} {request.path} endpoint={request.endpoint} {who}"


def init_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> ResponseReturnValue:
        log.warning("CSRF refused: %s (%s)", error.description, _context())
        return _render(400, _("The form has expired or did not come from this site. "
                              "Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        response = _render(error.code or 500)
        for name, value in error.get_headers():
            if name in ("Allow", "Retry-After", "WWW-Authenticate"):
                response.headers[name] = value
        return response

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError) -> ResponseReturnValue:
        return _render(service_error_status(error), translate(error.message))

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> ResponseReturnValue:
        original = error.original_exception
        if original is not None:
            log.error("unhandled %s during %s", type(original).__name__, _context(),
                      exc_info=original)
        return _render(500)
