"""Reading a run: the paginated review of its employees (the lines of a row are fetched when
its details are opened, see static/js/review-lines.js), one employee's payslip with the
explanation of every line, and the comparison with another run."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from coati_payroll.services import run_queries
from coati_payroll.services.run_queries import REVIEW_STATUSES, ReviewCursor
from coati_payroll.services.runs_compare import compare_runs
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.runs.routes import blueprint
from coati_payroll.web.runs.texts import PAYSLIP_STATUS, notice_text

REVIEW_PER_PAGE = 50


@blueprint.get("/<int:run_id>/review")
def review(run_id: int) -> ResponseReturnValue:
    session = db_session()
    header = run_queries.run_header(session, run_id)
    search = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("status") or ""
    if status not in REVIEW_STATUSES:
        status = ""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    result = run_queries.review_page(
        session, header, search=search, status=status or None,
        after=ReviewCursor.parse(request.args.get("after")),
        before=ReviewCursor.parse(request.args.get("before")), page=page,
        per_page=REVIEW_PER_PAGE, with_lines=False)
    args = {"q": search or None, "status": status or None}
    return render_template("runs/review.html", run=header, result=result, search=search,
                           status=status, statuses=PAYSLIP_STATUS, notice_text=notice_text,
                           args=args)


@blueprint.get("/<int:run_id>/review/<int:employee_id>/lines")
def review_lines(run_id: int, employee_id: int) -> ResponseReturnValue:
    """The lines of one employee of the run: an HTML fragment for the review's details."""
    session = db_session()
    header = run_queries.run_header(session, run_id)
    lines = run_queries.employee_lines(session, header, employee_id)
    return render_template("runs/_review_lines.html", run=header, lines=lines)


@blueprint.get("/<int:run_id>/employees/<int:employee_id>")
def payslip(run_id: int, employee_id: int) -> ResponseReturnValue:
    session = db_session()
    header = run_queries.run_header(session, run_id)
    slip = run_queries.payslip_view(session, header, employee_id)
    return render_template("runs/payslip.html", run=header, slip=slip, notice_text=notice_text,
                           statuses=PAYSLIP_STATUS)


@blueprint.get("/<int:run_id>/compare")
def compare(run_id: int) -> ResponseReturnValue:
    session = db_session()
    header = run_queries.run_header(session, run_id)
    other = request.args.get("with", type=int)
    if other is None:
        other = run_queries.previous_run_id(session, header)
    if other is None:
        return render_template("runs/compare.html", run=header, other=None, comparison=None)
    other_header = run_queries.run_header(session, other)
    comparison = compare_runs(unit_of_work(), other, run_id)
    return render_template("runs/compare.html", run=header, other=other_header,
                           comparison=comparison, statuses=PAYSLIP_STATUS)
