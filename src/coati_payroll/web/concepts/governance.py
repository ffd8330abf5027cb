"""Approving, rejecting and retiring versions, and the stored test cases of a concept."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from coati_payroll.db.models import Concept, ConceptTestCase, ConceptVersion
from coati_payroll.services import concept_queries as queries
from coati_payroll.services import concept_tests, concepts
from coati_payroll.services.errors import InvalidInput, InvalidState, ServiceError
from coati_payroll.web.concepts.blueprint import blueprint
from coati_payroll.web.concepts.forms import RejectForm, TestCaseForm, format_inputs, parse_inputs
from coati_payroll.web.concepts.routes import load_concept, load_version
from coati_payroll.web.concepts.texts import apply_error, problem_text
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.security import EDITORS, current_actor, policy

#: app.config key: let the author of a version approve it (one-person installations).
SELF_APPROVAL_KEY = "CONCEPT_ALLOW_SELF_APPROVAL"


def _back(concept: Concept, number: int | None = None, anchor: str | None = None) -> str:
    return url_for("concepts.detail", concept_id=concept.id, version=number, _anchor=anchor)


def _own_version(session: Session, version: ConceptVersion) -> ConceptVersion:
    own = session.get(ConceptVersion, version.id)
    assert own is not None
    return own


def _refusal(error: ServiceError, version: ConceptVersion) -> None:
    """Flash why a governance action was refused, in the user's language."""
    if isinstance(error, InvalidState) and error.params.get("failing"):
        flash(_("Version %(version)s cannot be approved: these test cases fail: %(cases)s. "
                "Correct the formula or the cases, then try again.", version=version.version,
                cases=", ".join(error.params["failing"])), "error")
    elif isinstance(error, InvalidState) and "four eyes" in error.message:
        flash(_("You wrote version %(version)s, so you cannot approve it: another user must "
                "approve it (four eyes).", version=version.version), "error")
    elif isinstance(error, InvalidState) and "only version" in error.message:
        flash(_("Version %(version)s is the only version of this concept and cannot be "
                "rejected; deactivate the concept instead.", version=version.version), "error")
    elif isinstance(error, InvalidState):
        flash(_("Version %(version)s is %(status)s: the action is not possible.",
                version=version.version, status=_status(version)), "error")
    elif isinstance(error, InvalidInput):
        flash(_("Version %(version)s no longer compiles against today's names; edit it "
                "first.", version=version.version), "error")
        for name, text in error.problems.items():
            flash(f"{name}: {problem_text(text)}", "error")
    else:
        apply_error(error)


def _status(version: ConceptVersion) -> str:
    names = {"draft": _("Draft"), "approved": _("Approved"), "retired": _("Retired")}
    return str(names.get(version.status.value, version.status.value))


@blueprint.post("/<int:concept_id>/versions/<int:number>/approve")
def approve(concept_id: int, number: int) -> ResponseReturnValue:
    concept = load_concept(concept_id)
    version = load_version(concept, number)
    allow = bool(current_app.config.get(SELF_APPROVAL_KEY, False))
    try:
        with unit_of_work() as uow:
            concepts.approve_version(uow.session, current_actor(),
                                     _own_version(uow.session, version),
                                     allow_self_approval=allow)
            uow.commit()
    except ServiceError as error:
        _refusal(error, version)
    else:
        flash(_("Version %(version)s of %(code)s approved.", version=number,
                code=concept.code), "success")
    return redirect(_back(concept, number))


@blueprint.post("/<int:concept_id>/versions/<int:number>/reject")
def reject(concept_id: int, number: int) -> ResponseReturnValue:
    concept = load_concept(concept_id)
    version = load_version(concept, number)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("The reason is too long (at most 500 characters)."), "error")
        return redirect(_back(concept, number)), 303
    try:
        with unit_of_work() as uow:
            concepts.reject_draft(uow.session, current_actor(),
                                  _own_version(uow.session, version), form.reason.data or "")
            uow.commit()
    except ServiceError as error:
        _refusal(error, version)
        return redirect(_back(concept, number))
    flash(_("Draft version %(version)s of %(code)s discarded.", version=number,
            code=concept.code), "success")
    return redirect(_back(concept))


@blueprint.post("/<int:concept_id>/versions/<int:number>/retire")
def retire(concept_id: int, number: int) -> ResponseReturnValue:
    concept = load_concept(concept_id)
    version = load_version(concept, number)
    try:
        with unit_of_work() as uow:
            concepts.retire_version(uow.session, current_actor(),
                                    _own_version(uow.session, version))
            uow.commit()
    except ServiceError as error:
        _refusal(error, version)
    else:
        flash(_("Version %(version)s of %(code)s retired.", version=number, code=concept.code),
              "success")
    return redirect(_back(concept, number))


# -- test cases ----------------------------------------------------------------------------


def _case_problems(form: TestCaseForm, error: InvalidInput) -> None:
    for name, text in error.problems.items():
        if name.startswith("inputs."):
            form.inputs.errors = [*form.inputs.errors,
                                  f"{name.removeprefix('inputs.')}: {problem_text(text)}"]
        elif name in form._fields:
            form[name].errors = [*form[name].errors, problem_text(text)]
        else:
            flash(f"{name}: {problem_text(text)}", "error")


def _save_case(concept: Concept, form: TestCaseForm, case: ConceptTestCase | None
               ) -> ResponseReturnValue | None:
    """Validate and store; None when saved, else the response showing the errors."""
    valid = form.validate_on_submit()
    inputs, problems = parse_inputs(form.inputs.data)
    if problems:
        form.inputs.errors = [*form.inputs.errors, *problems]
    if not valid or problems:
        return _case_page(concept, form, case, 422)
    assert form.expected.value is not None
    try:
        with unit_of_work() as uow:
            own = uow.session.get(Concept, concept.id)
            assert own is not None
            if case is None:
                concept_tests.add_test_case(uow.session, current_actor(), own,
                                            form.name.data or "", inputs, form.expected.value)
            else:
                own_case = uow.session.get(ConceptTestCase, case.id)
                assert own_case is not None
                concept_tests.update_test_case(uow.session, current_actor(), own_case,
                                               form.name.data or "", inputs,
                                               form.expected.value)
            uow.commit()
    except InvalidInput as error:
        _case_problems(form, error)
        flash(problem_text(error.message), "error")
        return _case_page(concept, form, case, 422)
    except ServiceError as error:
        return _case_page(concept, form, case, apply_error(error, form))
    return None


def _case_page(concept: Concept, form: TestCaseForm, case: ConceptTestCase | None,
               status: int) -> ResponseReturnValue:
    return render_template("concepts/case_form.html", concept=concept, form=form,
                           case=case), status


@blueprint.route("/<int:concept_id>/cases/new", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def add_case(concept_id: int) -> ResponseReturnValue:
    concept = load_concept(concept_id)
    form = TestCaseForm()
    if request.method == "GET":
        version = concepts.draft_of(concept) or concepts.list_versions(concept)[-1]
        form.inputs.data = format_inputs(dict.fromkeys(
            queries.names_read(db_session(), version), "0"))
        return _case_page(concept, form, None, 200)
    response = _save_case(concept, form, None)
    if response is not None:
        return response
    flash(_("Test case %(name)s saved.", name=form.name.data), "success")
    return redirect(_back(concept, request.args.get("version", type=int), "test-cases"))


@blueprint.route("/<int:concept_id>/cases/<int:case_id>/edit", methods=["GET", "POST"])
@policy(read=EDITORS, write=EDITORS)
def edit_case(concept_id: int, case_id: int) -> ResponseReturnValue:
    concept = load_concept(concept_id)
    case = _load_case(concept, case_id)
    form = TestCaseForm()
    if request.method == "GET":
        form.name.data = case.name
        form.inputs.data = format_inputs(case.inputs)
        form.expected.set(case.expected)
        return _case_page(concept, form, case, 200)
    response = _save_case(concept, form, case)
    if response is not None:
        return response
    flash(_("Test case %(name)s saved.", name=form.name.data), "success")
    return redirect(_back(concept, None, "test-cases"))


@blueprint.post("/<int:concept_id>/cases/<int:case_id>/delete")
def delete_case(concept_id: int, case_id: int) -> ResponseReturnValue:
    concept = load_concept(concept_id)
    case = _load_case(concept, case_id)
    with unit_of_work() as uow:
        own = uow.session.get(ConceptTestCase, case.id)
        assert own is not None
        concept_tests.delete_test_case(uow.session, current_actor(), own)
        uow.commit()
    flash(_("Test case %(name)s deleted.", name=case.name), "success")
    return redirect(_back(concept, None, "test-cases"))


def _load_case(concept: Concept, case_id: int) -> ConceptTestCase:
    try:
        return queries.get_test_case(concept, case_id)
    except ServiceError:
        abort(404)
