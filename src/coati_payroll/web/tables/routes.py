"""Rate and bracket tables: the list of codes and their versions, one version's rows, and the
form that creates a table, a new version of it, or corrects a version."""

from __future__ import annotations

import re
from datetime import date
from itertools import groupby

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coati_payroll.db.models import RateTable
from coati_payroll.services import tables
from coati_payroll.services.errors import InvalidInput, ServiceError
from coati_payroll.web.concepts.fields import set_data
from coati_payroll.web.concepts.texts import apply_error, problem_text
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.security import (
    DEFAULT_POLICY,
    EDITORS,
    current_actor,
    feature_blueprint,
    policy,
)
from coati_payroll.web.tables.forms import (
    KIND_LABELS,
    ParsedRows,
    TableForm,
    format_rows,
    parse_rows,
)

blueprint = feature_blueprint("tables", __name__, policy=DEFAULT_POLICY, url_prefix="/tables")

_ROW_KEY = re.compile(r"^row (\d+)(?:: (\w+))?$")


def _load(table_id: int) -> RateTable:
    table = db_session().get(RateTable, table_id)
    if table is None:
        abort(404)
    return table


@blueprint.context_processor
def _helpers() -> dict[str, object]:
    return {"kind_labels": KIND_LABELS}


@blueprint.get("/")
def index() -> ResponseReturnValue:
    versions = tables.list_table_versions(db_session())
    codes = [(code, list(group)) for code, group in groupby(versions, key=lambda t: t.code)]
    return render_template("tables/index.html", codes=codes, today=date.today())


@blueprint.get("/<int:table_id>")
def detail(table_id: int) -> ResponseReturnValue:
    table = _load(table_id)
    versions = tables.list_table_versions(db_session(), table.code)
    in_force = tables.table_in_force(db_session(), table.code, date.today())
    return render_template("tables/detail.html", table=table, versions=versions,
                           in_force=in_force, today=date.today())


def _row_problems(form: TableForm, parsed: ParsedRows, error: InvalidInput) -> None:
    """Put the service's row problems next to the rows field, naming row and line."""
    for key, text in error.problems.items():
        match = _ROW_KEY.match(key)
        if match and int(match.group(1)) <= len(parsed.lines):
            row = int(match.group(1))
            where = _("row %(row)s (line %(line)s)", row=row, line=parsed.lines[row - 1])
            if match.group(2):
                where += f", {match.group(2)}"
            form.rows.errors = [*form.rows.errors, f"{where}: {problem_text(text)}"]
        elif key == "rows":
            form.rows.errors = [*form.rows.errors, problem_text(text)]
        elif key in form._fields:
            form[key].errors = [*form[key].errors, problem_text(text)]
        else:
            flash(f"{key}: {problem_text(text)}", "error")


def _save(form: TableForm, table: RateTable | None) -> ResponseReturnValue:
    if table is not None:
        form.code.data = table.code
        form.effective_from.data = table.effective_from.isoformat()
    if request.method == "GET" or not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("tables/form.html", form=form, table=table), status
    parsed = parse_rows(form.rows.data)
    if parsed.problems:
        form.rows.errors = [*form.rows.errors, *parsed.problems]
        return render_template("tables/form.html", form=form, table=table), 422
    assert form.effective_from.value is not None
    data = tables.TableData(code=(form.code.data or "").strip(), name=form.name.data or "",
                            kind=form.kind.data, effective_from=form.effective_from.value,
                            rows=parsed.rows, upper_inclusive=bool(form.upper_inclusive.data))
    try:
        with unit_of_work() as uow:
            if table is None:
                saved = tables.create_table_version(uow.session, current_actor(), data)
            else:
                own = uow.session.get(RateTable, table.id)
                assert own is not None
                saved = tables.update_table_version(uow.session, current_actor(), own, data)
            saved_id = saved.id
            uow.commit()
    except InvalidInput as error:
        _row_problems(form, parsed, error)
        flash(problem_text(error.message), "error")
        return render_template("tables/form.html", form=form, table=table), 422
    except ServiceError as error:
        status = apply_error(error, form)
        return render_template("tables/form.html", form=form, table=table), status
    flash(_("Table %(code)s from %(day)s saved.", code=data.code,
            day=data.effective_from.isoformat()), "success")
    return redirect(url_for("tables.detail", table_id=saved_id))


@blueprint.route("/new", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def new() -> ResponseReturnValue:
    """A new table, or (``?from=<id>``) a new version of an existing one, pre-filled."""
    form = TableForm()
    if request.method == "GET":
        source_id = request.args.get("from", type=int)
        source = db_session().get(RateTable, source_id) if source_id else None
        if source is not None:
            form.code.data, form.name.data = source.code, source.name
            form.kind.data, form.upper_inclusive.data = source.kind.value, source.upper_inclusive
            form.rows.data = format_rows(source.rows)
        form.effective_from.data = date.today().isoformat()
    return _save(form, None)


@blueprint.route("/<int:table_id>/edit", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def edit(table_id: int) -> ResponseReturnValue:
    table = _load(table_id)
    form = TableForm()
    if request.method == "GET":
        form.name.data, form.kind.data = table.name, table.kind.value
        form.upper_inclusive.data = table.upper_inclusive
        form.rows.data = format_rows(table.rows)
        set_data(form.effective_from, table.effective_from)
    return _save(form, table)


@blueprint.post("/<int:table_id>/delete")
def delete(table_id: int) -> ResponseReturnValue:
    table = _load(table_id)
    code, day = table.code, table.effective_from
    try:
        with unit_of_work() as uow:
            own = uow.session.get(RateTable, table.id)
            assert own is not None
            tables.delete_table_version(uow.session, current_actor(), own)
            uow.commit()
    except ServiceError:
        flash(_("Table %(code)s from %(day)s is in effect or past and cannot be deleted; add a "
                "newer version instead.", code=code, day=day.isoformat()), "error")
        return redirect(url_for("tables.detail", table_id=table_id))
    flash(_("Table %(code)s from %(day)s deleted.", code=code, day=day.isoformat()), "success")
    return redirect(url_for("tables.index"))
