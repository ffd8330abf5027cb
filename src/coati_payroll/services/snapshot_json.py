"""The JSON form of run snapshots: a :class:`~coati_payroll.core.model.PayrollSetup` for
``PayrollRun.snapshot`` (so that a recalculation reuses it exactly) and an employee snapshot for
``RunEmployee.employee_snapshot``; amounts as decimal strings, dates ISO. Also the two value
conversions the database snapshots share: :func:`plain` and :func:`parse_field`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from coati_payroll.core.formula.tables import Table, TableKind, TableRow
from coati_payroll.core.model import (
    Accumulator,
    Concept,
    ConceptKind,
    CustomFieldDef,
    Employee,
    FieldType,
    FieldValue,
    InputDef,
    Loan,
    PayBasis,
    PayPeriod,
    PayrollSetup,
    PayrollType,
    Periodicity,
    ProrationBasis,
    SalaryConversion,
    ShortfallPolicy,
)
from coati_payroll.core.money import Currency, RoundingPolicy

__all__ = ["employee_from_json", "employee_to_json", "parse_field", "plain", "setup_from_json",
           "setup_to_json"]


def plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros (never in exponent form for whole numbers)."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        return normal.quantize(Decimal(1))
    return normal


def parse_field(field_type: FieldType, value: object) -> FieldValue:
    """A stored custom-field value (text, or a JSON number/boolean) as the core's type. A value
    that does not parse is returned as it is, so that the engine reports ``bad_custom_field``
    for that employee instead of the whole run failing."""
    if field_type is FieldType.TEXT:
        return value if isinstance(value, str) else str(value)
    if field_type is FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        return True if text == "true" else False if text == "false" else str(value)
    if field_type is FieldType.NUMBER:
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return plain(Decimal(value))
        try:
            return plain(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return str(value)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _num(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _field_json(value: FieldValue | None) -> object:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def setup_to_json(setup: PayrollSetup) -> dict[str, Any]:
    """``setup`` as plain JSON data (amounts as strings); :func:`setup_from_json` inverts it."""
    ptype = setup.payroll_type
    period = setup.period
    return {
        "currency": {"code": setup.currency.code,
                     "minor_unit": _text(setup.currency.rounding.minor_unit),
                     "mode": setup.currency.rounding.mode},
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(),
                   "payment_date": None if period.payment_date is None
                   else period.payment_date.isoformat()},
        "payroll_type": {
            "periodicity": ptype.periodicity.value,
            "conversion": None if ptype.conversion is None else ptype.conversion.value,
            "divisor": _text(ptype.divisor), "periods_per_year": ptype.periods_per_year,
            "proration": ptype.proration.value, "days_per_month": _text(ptype.days_per_month),
            "hours_per_day": _text(ptype.hours_per_day),
            "fiscal_year_start_month": ptype.fiscal_year_start_month,
            "absence_days_input": ptype.absence_days_input,
            "absence_hours_input": ptype.absence_hours_input,
            "hours_worked_input": ptype.hours_worked_input,
            "days_worked_input": ptype.days_worked_input},
        "concepts": [
            {"code": c.code, "kind": c.kind.value, "formula": c.formula, "name": c.name,
             "priority": c.priority, "condition": c.condition, "cap": _text(c.cap),
             "floor": _text(c.floor), "shortfall": c.shortfall.value, "loan": c.loan,
             "tags": sorted(c.tags)} for c in setup.concepts],
        "tables": {
            code: {"kind": t.kind.value, "upper_inclusive": t.upper_inclusive,
                   "rows": [[_text(r.lower), _text(r.upper), _text(r.rate), _text(r.fixed)]
                            for r in t.rows]} for code, t in setup.tables.items()},
        "inputs": {code: {"description": d.description, "default": _text(d.default)}
                   for code, d in setup.inputs.items()},
        "custom_fields": {code: {"type": d.type.value, "default": _field_json(d.default),
                                 "description": d.description}
                          for code, d in setup.custom_fields.items()},
        "accumulators": [{"code": a.code, "amount": a.amount, "description": a.description}
                         for a in setup.accumulators],
        "exchange_rates": {code: _text(rate) for code, rate in setup.exchange_rates.items()},
    }


def _day(value: object) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def setup_from_json(doc: Mapping[str, Any]) -> PayrollSetup:
    """The setup :func:`setup_to_json` wrote (exactly: amounts keep their digits)."""
    cur, per, pt = doc["currency"], doc["period"], doc["payroll_type"]
    start, end = _day(per["start"]), _day(per["end"])
    assert start is not None and end is not None
    custom: dict[str, CustomFieldDef] = {}
    for code, d in doc["custom_fields"].items():
        kind = FieldType(d["type"])
        default = d["default"]
        custom[code] = CustomFieldDef(
            code, kind, None if default is None else parse_field(kind, default), d["description"])
    return PayrollSetup(
        currency=Currency(cur["code"], RoundingPolicy(Decimal(cur["minor_unit"]), cur["mode"])),
        period=PayPeriod(start, end, _day(per["payment_date"])),
        concepts=tuple(Concept(
            code=c["code"], kind=ConceptKind(c["kind"]), formula=c["formula"], name=c["name"],
            priority=c["priority"], condition=c["condition"], cap=_num(c["cap"]),
            floor=_num(c["floor"]), shortfall=ShortfallPolicy(c["shortfall"]), loan=c["loan"],
            tags=frozenset(c["tags"])) for c in doc["concepts"]),
        payroll_type=PayrollType(
            periodicity=Periodicity(pt["periodicity"]),
            conversion=None if pt["conversion"] is None else SalaryConversion(pt["conversion"]),
            divisor=_num(pt["divisor"]), periods_per_year=pt["periods_per_year"],
            proration=ProrationBasis(pt["proration"]),
            days_per_month=Decimal(pt["days_per_month"]),
            hours_per_day=Decimal(pt["hours_per_day"]),
            fiscal_year_start_month=pt["fiscal_year_start_month"],
            absence_days_input=pt["absence_days_input"],
            absence_hours_input=pt["absence_hours_input"],
            hours_worked_input=pt["hours_worked_input"],
            days_worked_input=pt["days_worked_input"]),
        tables=MappingProxyType({
            code: Table(code, TableKind(t["kind"]), tuple(
                TableRow(Decimal(lo), _num(up), Decimal(rate), Decimal(fixed))
                for lo, up, rate, fixed in t["rows"]), t["upper_inclusive"])
            for code, t in doc["tables"].items()}),
        inputs=MappingProxyType({code: InputDef(code, d["description"], Decimal(d["default"]))
                                 for code, d in doc["inputs"].items()}),
        custom_fields=MappingProxyType(custom),
        accumulators=tuple(Accumulator(a["code"], a["amount"], a["description"])
                           for a in doc["accumulators"]),
        exchange_rates=MappingProxyType({code: Decimal(rate)
                                         for code, rate in doc["exchange_rates"].items()}),
    )


def employee_to_json(employee: Employee, novelty_ids: Sequence[int] = ()) -> dict[str, Any]:
    """An employee snapshot as JSON data, with the ids of the novelties it was built from."""
    return {
        "id": employee.id, "name": employee.name, "hire_date": employee.hire_date.isoformat(),
        "termination_date": None if employee.termination_date is None
        else employee.termination_date.isoformat(),
        "salary": format(employee.salary, "f"), "salary_currency": employee.salary_currency,
        "pay_basis": employee.pay_basis.value,
        "fields": {k: _field_json(v) for k, v in employee.fields.items()},
        "inputs": {k: format(v, "f") for k, v in employee.inputs.items()},
        "loans": [[loan.id, loan.concept, format(loan.installment, "f"),
                   format(loan.balance, "f")] for loan in employee.loans],
        "ytd": {k: format(v, "f") for k, v in employee.ytd.items()},
        "novelty_ids": list(novelty_ids),
    }


def employee_from_json(doc: Mapping[str, Any], setup: PayrollSetup) -> Employee:
    """The employee :func:`employee_to_json` wrote (custom fields typed by ``setup``)."""
    hire = _day(doc["hire_date"])
    assert hire is not None
    defs = setup.custom_fields
    return Employee(
        id=doc["id"], hire_date=hire, salary=Decimal(doc["salary"]), name=doc["name"],
        termination_date=_day(doc["termination_date"]),
        salary_currency=doc["salary_currency"], pay_basis=PayBasis(doc["pay_basis"]),
        fields={k: parse_field(defs[k].type, v) if k in defs else v
                for k, v in doc["fields"].items()},
        inputs={k: Decimal(v) for k, v in doc["inputs"].items()},
        loans=tuple(Loan(i, c, Decimal(inst), Decimal(bal)) for i, c, inst, bal in doc["loans"]),
        ytd={k: Decimal(v) for k, v in doc["ytd"].items()})
