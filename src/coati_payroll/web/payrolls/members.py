"""Employees and concepts of a payroll definition: add (one, or every active employee of the
company), remove, and the priority override of a deduction."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from coati_payroll.db.models import Concept, Employee, PayrollDefinition
from coati_payroll.services import definitions
from coati_payroll.services import payroll_queries as queries
from coati_payroll.services.errors import InvalidInput, ServiceError
from coati_payroll.web.concepts.texts import apply_error, problem_text
from coati_payroll.web.extensions import unit_of_work
from coati_payroll.web.payrolls.forms import AddConceptForm, PriorityForm
from coati_payroll.web.payrolls.routes import blueprint, load_definition
from coati_payroll.web.security import current_actor


def _back(definition_id: int, anchor: str) -> ResponseReturnValue:
    return redirect(url_for("payrolls.detail", definition_id=definition_id, _anchor=anchor))


def _own(session: Session, model: type, row_id: int) -> object:
    row = session.get(model, row_id)
    if row is None:
        raise NotFound()
    return row


def _refused(error: ServiceError) -> None:
    if not isinstance(error, InvalidInput):
        apply_error(error)
        return
    for text in error.problems.values():
        flash(problem_text(text), "error")
    flash(problem_text(error.message), "error")


@blueprint.post("/<int:definition_id>/employees")
def add_employee(definition_id: int) -> ResponseReturnValue:
    definition = load_definition(definition_id)
    employee_id = request.form.get("employee_id", type=int)
    if employee_id is None:
        raise NotFound()
    try:
        with unit_of_work() as uow:
            own = _own(uow.session, PayrollDefinition, definition.id)
            employee = _own(uow.session, Employee, employee_id)
            assert isinstance(own, PayrollDefinition) and isinstance(employee, Employee)
            definitions.assign_employee(uow.session, current_actor(), own, employee)
            code = employee.code
            uow.commit()
    except ServiceError as error:
        _refused(error)
    else:
        flash(_("Employee %(code)s added.", code=code), "success")
    return _back(definition.id, "employees")


@blueprint.post("/<int:definition_id>/employees/all")
def add_company_employees(definition_id: int) -> ResponseReturnValue:
    definition = load_definition(definition_id)
    with unit_of_work() as uow:
        own = _own(uow.session, PayrollDefinition, definition.id)
        assert isinstance(own, PayrollDefinition)
        added = 0
        for employee in queries.unassigned_employees(uow.session, own):
            definitions.assign_employee(uow.session, current_actor(), own, employee)
            added += 1
        uow.commit()
    flash(_("%(count)s employees of the company added.", count=added), "success")
    return _back(definition.id, "employees")


@blueprint.post("/<int:definition_id>/employees/<int:employee_id>/remove")
def remove_employee(definition_id: int, employee_id: int) -> ResponseReturnValue:
    definition = load_definition(definition_id)
    try:
        with unit_of_work() as uow:
            own = _own(uow.session, PayrollDefinition, definition.id)
            employee = _own(uow.session, Employee, employee_id)
            assert isinstance(own, PayrollDefinition) and isinstance(employee, Employee)
            definitions.unassign_employee(uow.session, current_actor(), own, employee)
            code = employee.code
            uow.commit()
    except ServiceError as error:
        _refused(error)
    else:
        flash(_("Employee %(code)s removed.", code=code), "success")
    return _back(definition.id, "employees")


@blueprint.post("/<int:definition_id>/concepts")
def add_concept(definition_id: int) -> ResponseReturnValue:
    definition = load_definition(definition_id)
    form = AddConceptForm()
    form.concept_id.choices = None  # any id: the service checks it
    form.concept_id.validate_choice = False
    concept_id = request.form.get("concept_id", type=int)
    if not form.validate_on_submit() or concept_id is None:
        for errors in form.errors.values():
            for text in errors:
                flash(problem_text(str(text)), "error")
        if concept_id is None:
            flash(_("Choose a concept."), "error")
        return _back(definition.id, "concepts")
    try:
        with unit_of_work() as uow:
            own = _own(uow.session, PayrollDefinition, definition.id)
            concept = _own(uow.session, Concept, concept_id)
            assert isinstance(own, PayrollDefinition) and isinstance(concept, Concept)
            definitions.assign_concept(uow.session, current_actor(), own, concept,
                                       form.priority_override.value)
            code = concept.code
            uow.commit()
    except ServiceError as error:
        _refused(error)
    else:
        flash(_("Concept %(code)s added.", code=code), "success")
    return _back(definition.id, "concepts")


@blueprint.post("/<int:definition_id>/concepts/<int:concept_id>/priority")
def set_priority(definition_id: int, concept_id: int) -> ResponseReturnValue:
    definition = load_definition(definition_id)
    form = PriorityForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for text in errors:
                flash(problem_text(str(text)), "error")
        return _back(definition.id, "concepts")
    try:
        with unit_of_work() as uow:
            own = _own(uow.session, PayrollDefinition, definition.id)
            concept = _own(uow.session, Concept, concept_id)
            assert isinstance(own, PayrollDefinition) and isinstance(concept, Concept)
            definitions.set_concept_priority(uow.session, current_actor(), own, concept,
                                             form.priority_override.value)
            code = concept.code
            uow.commit()
    except ServiceError as error:
        _refused(error)
    else:
        flash(_("Priority of %(code)s saved.", code=code), "success")
    return _back(definition.id, "concepts")


@blueprint.post("/<int:definition_id>/concepts/<int:concept_id>/remove")
def remove_concept(definition_id: int, concept_id: int) -> ResponseReturnValue:
    definition = load_definition(definition_id)
    try:
        with unit_of_work() as uow:
            own = _own(uow.session, PayrollDefinition, definition.id)
            concept = _own(uow.session, Concept, concept_id)
            assert isinstance(own, PayrollDefinition) and isinstance(concept, Concept)
            definitions.unassign_concept(uow.session, current_actor(), own, concept)
            code = concept.code
            uow.commit()
    except ServiceError as error:
        _refused(error)
    else:
        flash(_("Concept %(code)s removed.", code=code), "success")
    return _back(definition.id, "concepts")
