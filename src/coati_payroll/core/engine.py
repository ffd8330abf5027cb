"""Computes payslips from snapshots: the payroll engine.

:func:`compile_payroll` checks a :class:`~coati_payroll.core.model.PayrollSetup`, compiles every
formula once and orders the concepts; :meth:`CompiledPayroll.compute` then computes one employee
with no parsing at all. The rules are those of docs/calculation.md.

Raises at compile time: :class:`~coati_payroll.core.errors.ConfigurationError` (and its
subclasses :class:`~coati_payroll.core.errors.ConceptFormulaError`,
:class:`~coati_payroll.core.errors.DependencyCycleError`). ``compute`` never raises for a problem
of one employee: the payslip has status ``error`` and a ``failure``.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from coati_payroll.core.calendar import fiscal_position
from coati_payroll.core.dates import complete_years
from coati_payroll.core.errors import (
    ConceptFormulaError,
    EmployeeError,
    FormulaError,
)
from coati_payroll.core.formula import compile_formula
from coati_payroll.core.formula.scope import CompiledFormula, ValueType
from coati_payroll.core.lines import ConceptPlan, EmployeeLines
from coati_payroll.core.model import (
    Concept,
    ConceptKind,
    Employee,
    PayrollSetup,
)
from coati_payroll.core.money import CALCULATION_CONTEXT
from coati_payroll.core.ordering import order_concepts
from coati_payroll.core.results import (
    EmployeeFailure,
    Notice,
    PayrollTotals,
    Payslip,
    PayslipStatus,
)
from coati_payroll.core.salary import exchange_rate, salary_facts
from coati_payroll.core.setup_check import check_setup, field_value_matches
from coati_payroll.core.vocabulary import (
    GROSS,
    NET,
    TOTAL_DEDUCTIONS,
    PayrollScope,
    build_scope,
    custom_name,
    input_name,
    tag_name,
    ytd_name,
)

ZERO: Final = Decimal(0)


@dataclass(frozen=True, slots=True)
class PayrollResult:
    payslips: tuple[Payslip, ...]
    totals: PayrollTotals


def _compile(source: str, scope: PayrollScope, subject: str, field: str,
             expected: ValueType) -> CompiledFormula:
    try:
        return compile_formula(source, scope, expected=expected)
    except FormulaError as error:
        raise ConceptFormulaError(subject, field, error) from None


def _plan(concept: Concept, scope: PayrollScope) -> ConceptPlan:
    own_scope = scope.for_loans() if concept.loan else scope
    formula = _compile(concept.formula, own_scope, concept.code, "formula", ValueType.NUMBER)
    condition = None
    if concept.condition is not None and concept.condition.strip():
        condition = _compile(concept.condition, own_scope, concept.code, "condition",
                             ValueType.BOOLEAN)
    return ConceptPlan.build(concept, formula, condition)


class CompiledPayroll:
    """A setup with every formula compiled and the concepts in computation order."""

    def __init__(self, setup: PayrollSetup) -> None:
        check_setup(setup)
        self.setup = setup
        self.scope = build_scope(setup)
        payroll_type = setup.payroll_type
        plans = {c.code: _plan(c, self.scope) for c in setup.concepts}
        reads = {code: plan.reads for code, plan in plans.items()}
        ordered = order_concepts(setup.concepts, reads)
        self.plans = tuple(plans[c.code] for c in ordered)
        self.accumulators = tuple(
            (acc.code, ytd_name(acc.code),
             _compile(acc.amount, self.scope, acc.code, "amount", ValueType.NUMBER))
            for acc in setup.accumulators)
        self.rounder = setup.currency.rounding.rounder()
        self.loan_concepts = frozenset(c.code for c in setup.concepts if c.loan)

        declared_inputs = dict(setup.inputs)
        self.input_keys = {code: input_name(code) for code in declared_inputs}
        for code in (payroll_type.absence_days_input, payroll_type.absence_hours_input,
                     payroll_type.hours_worked_input, payroll_type.days_worked_input):
            if code is not None:
                self.input_keys.setdefault(code, input_name(code))
        self.custom_fields = dict(setup.custom_fields)
        self.required_fields = frozenset(
            code for code, d in setup.custom_fields.items() if d.default is None)

        period = setup.period
        number, remaining = fiscal_position(period, payroll_type)
        template: dict[str, object] = {
            "period.start": period.start,
            "period.end": period.end,
            "period.payment_date": period.payment_date or period.end,
            "period.number": Decimal(number),
            "period.periods_per_year": Decimal(payroll_type.effective_periods_per_year),
            "period.remaining_periods": Decimal(remaining),
            GROSS: ZERO, TOTAL_DEDUCTIONS: ZERO, NET: ZERO,
        }
        for code in self.input_keys:
            definition = declared_inputs.get(code)
            template[input_name(code)] = definition.default if definition else ZERO
        for code, field_def in setup.custom_fields.items():
            if field_def.default is not None:
                template[custom_name(code)] = field_def.default
        for acc in setup.accumulators:
            template[ytd_name(acc.code)] = ZERO
        for concept in setup.concepts:
            template[concept.code] = ZERO
            for tag in concept.tags:
                template[tag_name(tag)] = ZERO
        self.template = template

    def compute(self, employee: Employee) -> Payslip:
        """One employee's payslip for the period (status ok, excluded or error)."""
        period = self.setup.period
        if employee.hire_date > period.end:
            return Payslip(employee.id, PayslipStatus.EXCLUDED, notices=(
                Notice("excluded_not_hired", MappingProxyType(
                    {"hire_date": employee.hire_date})),))
        termination = employee.termination_date
        if termination is not None and termination < period.start:
            return Payslip(employee.id, PayslipStatus.EXCLUDED, notices=(
                Notice("excluded_terminated", MappingProxyType(
                    {"termination_date": termination})),))
        lines = EmployeeLines(self.rounder)
        try:
            with decimal.localcontext(CALCULATION_CONTEXT):
                return self._compute(employee, lines)
        except (EmployeeError, FormulaError) as error:
            return self._failure(employee, error, lines.current)
        except decimal.DecimalException as error:
            failure = EmployeeError(f"arithmetic error: {error!r}", code="arithmetic")
            return self._failure(employee, failure, lines.current)

    @staticmethod
    def _failure(employee: Employee, error: EmployeeError | FormulaError,
                 concept: str | None) -> Payslip:
        message = str(error)
        return Payslip(employee.id, PayslipStatus.ERROR, failure=EmployeeFailure(
            error.code, message, concept, MappingProxyType(dict(error.params))))

    def _environment(self, employee: Employee) -> dict[str, object]:
        env = self.template.copy()
        input_keys = self.input_keys
        for code, value in employee.inputs.items():
            key = input_keys.get(code)
            if key is None:
                raise EmployeeError(f"input {code} is not declared in this payroll",
                                    code="unknown_input", input=code)
            env[key] = value
        fields = self.custom_fields
        for code, field_value in employee.fields.items():
            field_def = fields.get(code)
            if field_def is None:
                continue
            if not field_value_matches(field_def.type, field_value):
                raise EmployeeError(f"custom field {code} must be a {field_def.type.value}, "
                                    f"not {field_value!r}", code="bad_custom_field", field=code)
            env[custom_name(code)] = field_value
        missing = self.required_fields.difference(employee.fields)
        if missing:
            raise EmployeeError(f"custom field {min(missing)} has no value and no default",
                                code="missing_custom_field", field=min(missing))
        for acc_code, ytd_key, _ in self.accumulators:
            prior = employee.ytd.get(acc_code)
            if prior is not None:
                env[ytd_key] = prior
        return env

    def _compute(self, employee: Employee, lines: EmployeeLines) -> Payslip:
        setup = self.setup
        period = setup.period
        rate = exchange_rate(employee, setup.currency.code, setup.exchange_rates)
        facts = salary_facts(employee, period, setup.payroll_type, rate)
        env = self._environment(employee)
        hire = employee.hire_date
        termination = employee.termination_date
        env.update({
            "salary": facts.salary,
            "monthly_salary": facts.monthly_salary,
            "daily_rate": facts.daily_rate,
            "hourly_rate": facts.hourly_rate,
            "period_salary": facts.period_salary,
            "exchange_rate": rate,
            "period.days": Decimal(facts.period_days),
            "period.worked_days": Decimal(facts.worked_days),
            "period.paid_days": facts.paid_days,
            "period.absence_days": facts.absence_days,
            "period.absence_hours": facts.absence_hours,
            "employee.hire_date": hire,
            "employee.years_of_service": Decimal(complete_years(hire, period.end)),
            "employee.hired_in_period": period.start <= hire <= period.end,
            "employee.terminated_in_period":
                termination is not None and period.start <= termination <= period.end,
        })
        if facts.prorated:
            lines.notice("prorated", paid_days=facts.paid_days, period_days=facts.period_days,
                         worked_days=facts.worked_days, absence_days=facts.absence_days,
                         absence_hours=facts.absence_hours)
        if facts.missing_hours:
            lines.notice("no_hours_worked", input=setup.payroll_type.hours_worked_input)
        env["base_salary"] = lines.add_base(facts, env)
        loans = employee.loans
        for plan in self.plans:
            if plan.kind is ConceptKind.DEDUCTION and not lines.gross_closed:
                env[GROSS] = lines.close_gross()
            elif plan.kind is ConceptKind.EMPLOYER and not lines.net_closed:
                if not lines.gross_closed:
                    env[GROSS] = lines.close_gross()
                env[TOTAL_DEDUCTIONS], env[NET] = lines.close_net()
            if plan.loan:
                lines.add_loans(plan, env, [loan for loan in loans if loan.concept == plan.code])
            else:
                lines.add_concept(plan, env)
        if not lines.gross_closed:
            env[GROSS] = lines.close_gross()
        if not lines.net_closed:
            env[TOTAL_DEDUCTIONS], env[NET] = lines.close_net()
        ytd_after = {}
        rounder = self.rounder
        for acc_code, ytd_key, formula in self.accumulators:
            lines.current = acc_code
            prior = env[ytd_key]
            assert isinstance(prior, Decimal)
            value = formula.evaluate(env)
            assert isinstance(value, Decimal)
            ytd_after[acc_code] = prior + rounder(value)
        lines.current = None
        return lines.payslip(employee, ytd_after)


def compile_payroll(setup: PayrollSetup) -> CompiledPayroll:
    """Check and compile ``setup``; see the module docstring for what it raises."""
    return CompiledPayroll(setup)


def compute_payroll(setup: PayrollSetup | CompiledPayroll,
                    employees: Iterable[Employee]) -> PayrollResult:
    """Compute every employee of ``employees`` and the run totals."""
    compiled = setup if isinstance(setup, CompiledPayroll) else compile_payroll(setup)
    payslips = tuple(compiled.compute(employee) for employee in employees)
    return PayrollResult(payslips, PayrollTotals.of(payslips))


__all__: Sequence[str] = ("CompiledPayroll", "PayrollResult", "compile_payroll",
                          "compute_payroll")
