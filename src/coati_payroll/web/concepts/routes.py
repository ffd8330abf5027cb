"""Concept pages: the list by kind, the detail of a concept and its versions, the difference
between two versions, the create/edit form with the formula editor, and the formula help."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coati_payroll.core.formula.scope import ValueType
from coati_payroll.core.model import ConceptKind
from coati_payroll.db.models import Concept, ConceptVersion, User
from coati_payroll.services import concept_queries as queries
from coati_payroll.services import concepts
from coati_payroll.services.concept_tests import run_test_cases
from coati_payroll.services.errors import ServiceError
from coati_payroll.web.concepts.blueprint import blueprint
from coati_payroll.web.concepts.fields import code_list, set_data
from coati_payroll.web.concepts.forms import (
    FIELD_LABELS,
    KIND_LABELS,
    SHORTFALL_LABELS,
    ConceptForm,
    TestCaseForm,
    format_inputs,
)
from coati_payroll.web.concepts.texts import apply_error, error_payload, positioned, problem_text
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.security import EDITORS, current_actor, policy

#: Formulas one click away in the editor (docs/formula-language.md, "Worked examples").
EXAMPLES: tuple[tuple[str, Any], ...] = (
    ("input.OVERTIME_HOURS * hourly_rate * 1.5",
     _l("Overtime at time and a half (hours declared as an input)")),
    ("min(gross * 7%, 350)", _l("7% of gross, at most 350")),
    ("min(gross, 5000) * 7%", _l("7% of gross, on a base of at most 5000")),
    ('table("INCOME_TAX", gross)', _l("The amount of a bracket table for gross")),
    ("if(employee.years_of_service >= 5, base_salary * 10%, 0)",
     _l("10% of the base salary after five years of service")),
    ("max(gross - 1000, 0)", _l("What exceeds 1000, never negative")),
    ("if(period.days == 0, 0, base_salary / period.days)",
     _l("Guard a division with if")),
    ("loan.installment", _l("A loan deduction: the installment due")),
)

#: A sample value per type, to pre-fill the test panel and new test cases.
SAMPLE_VALUES = {ValueType.NUMBER: "0", ValueType.BOOLEAN: "false", ValueType.TEXT: ""}


def load_concept(concept_id: int) -> Concept:
    try:
        return queries.get_concept(db_session(), concept_id)
    except ServiceError:
        abort(404)


def load_version(concept: Concept, number: int) -> ConceptVersion:
    try:
        return queries.get_version(concept, number)
    except ServiceError:
        abort(404)


@blueprint.get("/")
def index() -> ResponseReturnValue:
    kind = request.args.get("kind") or None
    chosen = ConceptKind(kind) if kind in KIND_LABELS else None
    rows = queries.list_concepts(db_session(), chosen)
    groups = {k: [r for r in rows if r.concept.kind.value == k] for k in KIND_LABELS
              if chosen is None or k == chosen.value}
    return render_template("concepts/index.html", groups=groups, kind=chosen,
                           kind_labels=KIND_LABELS)


@blueprint.get("/help")
def formula_help() -> ResponseReturnValue:
    return render_template("concepts/help.html", functions=queries.function_usages(),
                           examples=EXAMPLES)


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    return {"problem_text": problem_text, "shortfall_labels": SHORTFALL_LABELS,
            "field_labels": FIELD_LABELS}


def _editor_context(form: ConceptForm, concept: Concept | None,
                    formula_errors: dict[str, dict[str, Any]]) -> dict[str, Any]:
    session = db_session()
    scope = queries.scope_for(session, concept.code if concept else None, bool(form.loan.data))
    return {"form": form, "concept": concept, "formula_errors": formula_errors,
            "name_groups": queries.name_reference(session, scope),
            "tables": queries.table_names(scope), "functions": queries.function_usages(),
            "examples": EXAMPLES}


def _render_form(form: ConceptForm, concept: Concept | None, status: int,
                 formula_errors: dict[str, dict[str, Any]] | None = None) -> ResponseReturnValue:
    return render_template("concepts/form.html",
                           **_editor_context(form, concept, formula_errors or {})), status


def _check_formulas(form: ConceptForm, code: str) -> dict[str, dict[str, Any]]:
    """Check formula and condition as the service will, with translated, positioned errors
    next to the fields; returns field → caret data for the errors."""
    payloads: dict[str, dict[str, Any]] = {}
    for field, condition in ((form.formula, False), (form.condition, True)):
        source = field.data or ""
        if not source.strip() or field.errors:
            continue
        check = queries.check_formula(db_session(), source, code=code or None,
                                      loan=bool(form.loan.data), kind=form.kind.data,
                                      condition=condition)
        if check.error is not None:
            field.errors = [*field.errors, positioned(check.error)]
            payloads[field.name] = error_payload(check.error, source)
        elif check.late:
            field.errors = [*field.errors, _(
                "this concept cannot read %(names)s: they are computed after it",
                names=", ".join(check.late))]
    return payloads


def _data(form: ConceptForm) -> concepts.ConceptData:
    return concepts.ConceptData(
        code=(form.code.data or "").strip(), name=form.name.data or "", kind=form.kind.data,
        formula=form.formula.data or "", effective_from=form.effective_from.value,
        condition=form.condition.data or None, priority=form.priority.value or 0,
        cap=form.cap.value, floor=form.floor.value, shortfall=form.shortfall.data,
        loan=bool(form.loan.data), tags=code_list(form.tags.data),
        debit_account=(form.debit_account.data or "").strip() or None,
        credit_account=(form.credit_account.data or "").strip() or None,
        note=(form.note.data or "").strip() or None)


def _fill(form: ConceptForm, concept: Concept, version: ConceptVersion) -> None:
    form.code.data, form.name.data, form.kind.data = concept.code, concept.name, concept.kind.value
    for name in ("effective_from", "formula", "condition", "priority", "cap", "floor", "loan",
                 "debit_account", "credit_account", "note"):
        set_data(form[name], getattr(version, name))
    form.shortfall.data = version.shortfall.value
    form.tags.data = ", ".join(version.tags or ())


def _save(form: ConceptForm, concept: Concept | None) -> ResponseReturnValue:
    if concept is not None:  # code and kind never change
        form.code.data, form.kind.data = concept.code, concept.kind.value
    valid = form.validate_on_submit()
    formula_errors = _check_formulas(form, form.code.data or "") if request.method == "POST" \
        else {}
    if not valid or formula_errors or any(f.errors for f in (form.formula, form.condition)):
        return _render_form(form, concept, 422 if request.method == "POST" else 200,
                            formula_errors)
    try:
        with unit_of_work() as uow:
            if concept is None:
                saved = concepts.create_concept(uow.session, current_actor(), _data(form))
                number = saved.versions[0].version
            else:
                saved_or_none = uow.session.get(Concept, concept.id)
                assert saved_or_none is not None
                saved = saved_or_none
                number = concepts.edit_concept(uow.session, current_actor(), saved,
                                               _data(form)).version
            concept_id = saved.id
            uow.commit()
    except ServiceError as error:
        return _render_form(form, concept, apply_error(error, form))
    flash(_("Concept %(code)s saved as draft version %(version)s.", code=form.code.data,
            version=number), "success")
    return redirect(url_for("concepts.detail", concept_id=concept_id, version=number))


@blueprint.route("/new", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def new() -> ResponseReturnValue:
    form = ConceptForm()
    if request.method == "GET":
        form.effective_from.data = date.today().isoformat()
        form.priority.data = "0"
        if request.args.get("kind") in KIND_LABELS:
            form.kind.data = request.args["kind"]
    return _save(form, None)


@blueprint.route("/<int:concept_id>/edit", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def edit(concept_id: int) -> ResponseReturnValue:
    concept = load_concept(concept_id)
    form = ConceptForm()
    if request.method == "GET":
        versions = concepts.list_versions(concept)
        source = concepts.draft_of(concept) or versions[-1]
        _fill(form, concept, source)
    form.kind.choices = [(concept.kind.value, KIND_LABELS[concept.kind.value])]
    return _save(form, concept)


@blueprint.get("/<int:concept_id>")
def detail(concept_id: int) -> ResponseReturnValue:
    session = db_session()
    concept = load_concept(concept_id)
    versions = concepts.list_versions(concept)
    number = request.args.get("version", type=int)
    version = load_version(concept, number) if number else (
        concepts.draft_of(concept) or versions[-1])
    names = queries.names_read(session, version)
    scope = queries.scope_for(session, concept.code, version.loan)
    samples = {name: SAMPLE_VALUES.get(scope.resolve(name) or ValueType.NUMBER,
                                       date.today().isoformat()) for name in names}
    results = run_test_cases(session, version)
    if request.args.get("run"):
        passed = sum(1 for r in results if r.passed)
        flash(_("%(passed)s of %(total)s test cases pass against version %(version)s.",
                passed=passed, total=len(results), version=version.version),
              "success" if passed == len(results) else "error")
    case_form = TestCaseForm(formdata=None)
    case_form.inputs.data = format_inputs(samples)
    people = {uid: session.get(User, uid) for v in versions
              for uid in (v.created_by_id, v.approved_by_id) if uid is not None}
    return render_template(
        "concepts/detail.html", concept=concept, versions=versions, version=version,
        in_force=concepts.version_in_force(concept, date.today()), names=names,
        samples=samples, results=results, case_form=case_form, people=people,
        kind_labels=KIND_LABELS, draft=concepts.draft_of(concept))


@blueprint.get("/<int:concept_id>/diff")
def diff(concept_id: int) -> ResponseReturnValue:
    concept = load_concept(concept_id)
    versions = concepts.list_versions(concept)
    before_number = request.args.get("from", type=int) or versions[0].version
    after_number = request.args.get("to", type=int) or versions[-1].version
    before = load_version(concept, before_number)
    after = load_version(concept, after_number)
    return render_template(
        "concepts/diff.html", concept=concept, versions=versions, before=before, after=after,
        changes=queries.version_diff(before, after),
        formula_diff=queries.text_diff(before.formula, after.formula),
        condition_diff=queries.text_diff(before.condition, after.condition))


@blueprint.post("/<int:concept_id>/active")
def set_active(concept_id: int) -> ResponseReturnValue:
    concept = load_concept(concept_id)
    active = not concept.active
    try:
        with unit_of_work() as uow:
            own = uow.session.get(Concept, concept.id)
            assert own is not None
            concepts.set_concept_active(uow.session, current_actor(), own, active)
            uow.commit()
    except ServiceError as error:
        apply_error(error)
    else:
        flash(_("Concept %(code)s activated.", code=concept.code) if active else
              _("Concept %(code)s deactivated.", code=concept.code), "success")
    return redirect(url_for("concepts.detail", concept_id=concept.id))
