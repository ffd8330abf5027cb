"""Importing employees from CSV/XLSX (all or nothing, every row problem listed) and exporting
them (CSV or XLSX, the columns the import reads)."""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coati_payroll.db.models import Role
from coati_payroll.services import companies, employee_import
from coati_payroll.services.errors import InvalidInput, ServiceError
from coati_payroll.services.tabular import read_sheet_bytes, write_csv, write_xlsx
from coati_payroll.web.employees.forms import ImportForm
from coati_payroll.web.employees.routes import blueprint, today
from coati_payroll.web.employees.service_texts import localize_key, localized
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.security import current_actor, requires

#: At most this many problems are listed on the page (the service stops collecting at 500).
PROBLEMS_SHOWN = 200


def _render(form: ImportForm, problems: list[tuple[str, str]], status: int,
            more: int = 0) -> ResponseReturnValue:
    return render_template("employees/import.html", form=form, problems=problems, more=more,
                           columns=employee_import.COLUMNS), status


@blueprint.route("/import", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.HR)
def import_file() -> ResponseReturnValue:
    form = ImportForm()
    form.company.choices = [("", "—"), *[(c.code, f"{c.code} · {c.name}")
                                         for c in companies.list_companies(db_session())]]
    if not form.validate_on_submit():
        return _render(form, [], 422 if form.errors else 200)
    upload = form.file.data
    fmt = "xlsx" if upload.filename.lower().endswith(".xlsx") else "csv"
    try:
        sheet = read_sheet_bytes(upload.read(), fmt, upload.filename)
        with unit_of_work() as uow:
            summary = employee_import.import_employees(
                uow.session, current_actor(), sheet, company=form.company.data or None,
                update=bool(form.update.data))
            uow.commit()
    except ServiceError as error:
        shown = localized(error)
        flash(shown.message, "error")
        problems = [(localize_key(key), text) for key, text in shown.problems.items()] \
            if isinstance(shown, InvalidInput) else []
        return _render(form, problems[:PROBLEMS_SHOWN], 422,
                       max(0, len(problems) - PROBLEMS_SHOWN))
    flash(_("Import done: %(rows)s rows, %(created)s created, %(updated)s updated, "
            "%(unchanged)s unchanged.", **summary.as_dict()), "success")
    return redirect(url_for("employees.index", status="all"))


@blueprint.get("/export")
def export() -> ResponseReturnValue:
    session = db_session()
    fmt = request.args.get("format", "csv")
    fmt = fmt if fmt in ("csv", "xlsx") else "csv"
    company = request.args.get("company") or None
    if company is not None:
        companies.get_company(session, company)  # NotFound → 404
    columns = employee_import.export_columns(session)
    rows = employee_import.export_rows(session, columns, company=company, as_of=today())
    name = f"employees-{company or 'all'}-{today().isoformat()}.{fmt}"
    buffer = io.BytesIO()
    if fmt == "csv":
        text = io.StringIO(newline="")
        write_csv(text, columns, rows)
        buffer.write(text.getvalue().encode("utf-8"))
        mimetype = "text/csv"
    else:
        write_xlsx(buffer, columns, rows, title="employees")
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    buffer.seek(0)
    return send_file(buffer, mimetype=mimetype, as_attachment=True, download_name=name)
