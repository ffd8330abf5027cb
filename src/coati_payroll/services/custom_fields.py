"""Custom employee fields: their definitions and the values employees hold.

* A definition has a ``code`` (letters, digits and ``_``; fixed once created), a ``label``, a
  ``type`` (number, text, date, yes/no; fixed once created) and an optional ``default``
  validated against the type; no default means every employee must have a value.
* Values are given as their Python type or as text (imports) and stored as text: numbers as
  Decimal strings, dates ISO ``YYYY-MM-DD``, booleans ``true``/``false``.
  :func:`parse_field_value` reads either; :func:`field_value_text` writes the stored text.
* A definition is deleted only while no employee has a value for it and no concept formula
  names it; otherwise it is deactivated (inactive fields take no new values).

Nothing here commits; every change writes an audit entry in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coati_payroll.core.model import FieldType, FieldValue
from coati_payroll.core.money import to_decimal
from coati_payroll.core.setup_check import CODE_PATTERN
from coati_payroll.db.models import ConceptVersion, CustomFieldDefinition, Employee
from coati_payroll.services import audit
from coati_payroll.services.actor import Actor
from coati_payroll.services.errors import InvalidInput, InvalidState

_TRUE: Final = frozenset({"true", "yes", "1"})
_FALSE: Final = frozenset({"false", "no", "0"})
MAX_TEXT_VALUE: Final = 500

#: Value given for a custom field: its Python type, or text to parse.
FieldInput = FieldValue | int


@dataclass(frozen=True, slots=True)
class CustomFieldData:
    """A custom field definition; ``default`` is text (or the Python value) parsed by ``type``;
    None means every employee must have a value."""

    code: str
    label: str
    type: FieldType | str
    default: FieldInput | None = None
    position: int = 0



# -- custom field values -------------------------------------------------------------------

def parse_field_value(field_type: FieldType, value: object) -> FieldValue:
    """``value`` (its Python type or text) as the value of a ``field_type`` field.

    Raises ``ValueError`` with a message for the user. Numbers refuse floats; dates take
    ``date`` or ISO ``YYYY-MM-DD``; booleans take bool or true/false, yes/no, 1/0."""
    if field_type is FieldType.NUMBER:
        try:
            return to_decimal(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a number") from None
    if field_type is FieldType.TEXT:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not text")
        if len(value) > MAX_TEXT_VALUE:
            raise ValueError(f"at most {MAX_TEXT_VALUE} characters")
        return value
    if field_type is FieldType.DATE:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"{value!r} is not yes/no (true or false)")


def field_value_text(field_type: FieldType, value: FieldValue) -> str:
    """The stored text of a parsed value (the inverse of :func:`parse_field_value`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


# -- custom field definitions --------------------------------------------------------------

def _field_snapshot(definition: CustomFieldDefinition) -> dict[str, Any]:
    return {"code": definition.code, "label": definition.label, "type": definition.type,
            "default": definition.default_value, "position": definition.position,
            "active": definition.active}


def _validate_field(session: Session, data: CustomFieldData,
                    existing: CustomFieldDefinition | None) -> tuple[dict[str, str], FieldType,
                                                                     str | None]:
    problems: dict[str, str] = {}
    if existing is not None and data.code != existing.code:
        problems["code"] = "the code of a custom field cannot change"
    elif not CODE_PATTERN.match(data.code or "") or len(data.code) > 40:
        problems["code"] = "1-40 letters, digits or _, starting with a letter"
    elif existing is None and session.scalar(sa.select(CustomFieldDefinition.id).where(
            CustomFieldDefinition.code == data.code)) is not None:
        problems["code"] = f"a custom field {data.code} already exists"
    if not data.label or not data.label.strip() or len(data.label) > 100:
        problems["label"] = "required" if not (data.label or "").strip() else \
            "at most 100 characters"
    default: str | None = None
    try:
        field_type = FieldType(data.type)
    except ValueError:
        field_type = FieldType.TEXT
        problems["type"] = "one of " + ", ".join(t.value for t in FieldType)
    if existing is not None and "type" not in problems and field_type != existing.type:
        problems["type"] = "the type of a custom field cannot change"
    if data.default is not None and "type" not in problems:
        try:
            default = field_value_text(field_type, parse_field_value(field_type, data.default))
        except ValueError as error:
            problems["default"] = str(error)
    return problems, field_type, default


def create_custom_field(session: Session, actor: Actor,
                        data: CustomFieldData) -> CustomFieldDefinition:
    problems, field_type, default = _validate_field(session, data, None)
    if problems:
        raise InvalidInput("the custom field cannot be saved", problems)
    definition = CustomFieldDefinition(code=data.code, label=data.label.strip(),
                                       type=field_type, default_value=default,
                                       position=data.position, active=True)
    session.add(definition)
    session.flush()
    audit.record(session, actor, "custom_field.create", "custom_field", definition.id, {},
                 _field_snapshot(definition))
    return definition


def update_custom_field(session: Session, actor: Actor, definition: CustomFieldDefinition,
                        data: CustomFieldData) -> CustomFieldDefinition:
    """Change the label, default and position (code and type are fixed once created)."""
    problems, _, default = _validate_field(session, data, definition)
    if problems:
        raise InvalidInput("the custom field cannot be saved", problems)
    before = _field_snapshot(definition)
    definition.label = data.label.strip()
    definition.default_value = default
    definition.position = data.position
    session.flush()
    audit.record(session, actor, "custom_field.update", "custom_field", definition.id, before,
                 _field_snapshot(definition))
    return definition


def set_custom_field_active(session: Session, actor: Actor,
                            definition: CustomFieldDefinition,
                            active: bool) -> CustomFieldDefinition:
    before = _field_snapshot(definition)
    definition.active = active
    session.flush()
    audit.record(session, actor, "custom_field.activate" if active else
                 "custom_field.deactivate", "custom_field", definition.id, before,
                 _field_snapshot(definition))
    return definition


def delete_custom_field(session: Session, actor: Actor,
                        definition: CustomFieldDefinition) -> None:
    """Delete a field no employee has a value for and no concept formula names; otherwise
    InvalidState (deactivate it instead)."""
    code = definition.code
    users = [e.code for e in session.scalars(sa.select(Employee).where(
        Employee.custom_values.is_not(None))) if code in (e.custom_values or {})]
    if users:
        raise InvalidState(f"custom field {code} has values for employees "
                           f"{', '.join(sorted(users)[:5])}; deactivate it instead")
    name = f"custom.{code}"
    for version in session.scalars(sa.select(ConceptVersion)):
        if name in version.formula or name in (version.condition or ""):
            raise InvalidState(f"custom field {code} is used by concept "
                               f"{version.concept.code}; deactivate it instead")
    before = _field_snapshot(definition)
    session.delete(definition)
    session.flush()
    audit.record(session, actor, "custom_field.delete", "custom_field", definition.id, before,
                 {})


def list_custom_fields(session: Session, *, active_only: bool = False
                       ) -> list[CustomFieldDefinition]:
    query = sa.select(CustomFieldDefinition).order_by(CustomFieldDefinition.position,
                                                      CustomFieldDefinition.code)
    if active_only:
        query = query.where(CustomFieldDefinition.active.is_(True))
    return list(session.scalars(query))
