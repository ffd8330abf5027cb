"""``POST /payrolls/<id>/active`` toggles a payroll definition's active flag and goes back to
the definition's page (with a translated flash message on success or refusal)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coati_payroll.db.models import PayrollDefinition
from coati_payroll.services.definition_status import set_definition_active
from coati_payroll.services.errors import ServiceError
from coati_payroll.web.extensions import db_session, unit_of_work
from coati_payroll.web.inputs.texts import apply_error, patterns
from coati_payroll.web.security import DEFAULT_POLICY, current_actor, feature_blueprint

blueprint = feature_blueprint("definition_status", __name__, policy=DEFAULT_POLICY,
                              url_prefix="/payrolls")

PROBLEMS = patterns(
    (r"^payroll (?P<code>\S+) is already active$",
     _l("payroll definition %(code)s is already active")),
    (r"^payroll (?P<code>\S+) is already inactive$",
     _l("payroll definition %(code)s is already inactive")),
)


@blueprint.post("/<int:definition_id>/active")
def set_active(definition_id: int) -> ResponseReturnValue:
    definition = db_session().get(PayrollDefinition, definition_id)
    if definition is None:
        abort(404)
    active = not definition.active
    try:
        with unit_of_work() as uow:
            own = uow.session.get(PayrollDefinition, definition.id)
            assert own is not None
            set_definition_active(uow.session, current_actor(), own, active)
            uow.commit()
    except ServiceError as error:
        apply_error(error, None, PROBLEMS)
    else:
        flash(_("Payroll definition %(code)s activated.", code=definition.code) if active else
              _("Payroll definition %(code)s deactivated: it takes no new runs.",
                code=definition.code), "success")
    return redirect(url_for("payrolls.detail", definition_id=definition.id))
