"""Activating and deactivating a payroll definition: the POST route and the button macro."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from coati_payroll.db.models import AuditEntry, Language, PayrollDefinition, User
from coati_payroll.db.testing import Factory

Token = Callable[..., str]
MACRO = ('{% import "definition_status/_button.html" as status with context %}'
         "{{ status.button(definition, allowed) }}")


@pytest.fixture
def hr(client: FlaskClient, users: dict[str, User], login: Callable[..., Any]) -> FlaskClient:
    login(client, "hr")
    return client


def _post(client: FlaskClient, token: Token, url: str, **kw: Any) -> Any:
    return client.post(url, data={"csrf_token": token(client, "/auth/password")}, **kw)


def _active(session: Session) -> bool:
    session.expire_all()
    return session.scalars(sa.select(PayrollDefinition.active)).one()


def test_toggle_goes_back_to_the_payroll(hr: FlaskClient, csrf_token: Token,
                                         factory: Factory, session: Session) -> None:
    definition = factory.definition(code="MAIN")
    session.commit()
    url = f"/payrolls/{definition.id}/active"
    response = _post(hr, csrf_token, url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/payrolls/{definition.id}")
    assert _active(session) is False
    page = hr.get(f"/payrolls/{definition.id}").get_data(as_text=True)
    assert "Payroll definition MAIN deactivated: it takes no new runs." in page
    _post(hr, csrf_token, url)
    assert _active(session) is True
    assert session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all() == [
        "payroll.deactivate", "payroll.activate"]
    assert _post(hr, csrf_token, "/payrolls/999/active").status_code == 404


def test_activation_refused_names_the_inactive_parts(
        hr: FlaskClient, csrf_token: Token, factory: Factory, session: Session,
        users: dict[str, User]) -> None:
    definition = factory.definition(code="MAIN", active=False)
    definition.payroll_type.code = "MONTHLY"
    definition.payroll_type.active = False
    session.commit()
    url = f"/payrolls/{definition.id}/active"
    page = _post(hr, csrf_token, url, follow_redirects=True).get_data(as_text=True)
    assert ("MAIN cannot be activated while these are inactive: payroll type MONTHLY."
            in page)
    assert _active(session) is False
    users["hr"].language = Language.ES
    session.commit()
    page = _post(hr, csrf_token, url, follow_redirects=True).get_data(as_text=True)
    assert ("MAIN no se puede activar mientras estos estén inactivos: el tipo de planilla "
            "MONTHLY.") in page
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_audit_role_cannot_toggle(client: FlaskClient, users: dict[str, User],
                                  login: Callable[..., Any], csrf_token: Token,
                                  factory: Factory, session: Session) -> None:
    definition = factory.definition()
    session.commit()
    login(client, "audit")
    assert _post(client, csrf_token, f"/payrolls/{definition.id}/active").status_code == 403
    assert _active(session) is True


def test_the_button_macro(app: Flask, factory: Factory, session: Session,
                          users: dict[str, User]) -> None:
    definition = factory.definition(code="MAIN")
    session.commit()
    with app.test_request_context("/"):
        active = render_template_string(MACRO, definition=definition, allowed=True)
        hidden = render_template_string(MACRO, definition=definition, allowed=False)
        implicit = render_template_string(MACRO, definition=definition, allowed=None)
    assert 'id="payroll-status" data-active="true"' in active
    assert f'action="/payrolls/{definition.id}/active"' in active
    assert 'id="payroll-deactivate" data-confirm="Deactivate payroll definition MAIN?' in active
    assert 'id="payroll-active-form"' not in hidden and "Active: takes new runs" in hidden
    assert 'id="payroll-active-form"' not in implicit  # anonymous: can_access says no
    definition.active = False
    with app.test_request_context("/"):
        inactive = render_template_string(MACRO, definition=definition, allowed=True)
    assert 'data-active="false"' in inactive and 'id="payroll-activate"' in inactive
    assert "Inactive: takes no new runs" in inactive
