from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from core_builders import D, deduction, earning, employer, make_employee, make_setup

from coati_payroll.core.engine import compile_payroll, compute_payroll
from coati_payroll.core.errors import (
    ConceptFormulaError,
    ConfigurationError,
    DependencyCycleError,
)
from coati_payroll.core.formula.tables import Table, TableKind, TableRow
from coati_payroll.core.model import (
    Accumulator,
    CustomFieldDef,
    FieldType,
    Loan,
    PayPeriod,
    ShortfallPolicy,
)
from coati_payroll.core.money import Currency, RoundingPolicy
from coati_payroll.core.results import PayslipStatus


def compute(concepts, employee=None, **setup_kw):
    return compile_payroll(make_setup(concepts, **setup_kw)).compute(employee or make_employee())


def amounts(payslip):
    return {line.code: line.amount for line in payslip.lines}


def test_order_earnings_gross_deductions_net_employer():
    payslip = compute([
        employer("ER", "gross * 10%"),
        deduction("TAX", "(gross - SS) * 10%", priority=2),
        deduction("SS", "gross * 7%", priority=1),
        earning("BONUS", "OVERTIME + 100"),
        earning("OVERTIME", "50"),
    ], make_employee(1000))
    assert payslip.status is PayslipStatus.OK
    assert amounts(payslip) == {"BASE": D("1000.00"), "OVERTIME": D("50.00"),
                                "BONUS": D("150.00"), "SS": D("84.00"),
                                "TAX": D("111.60"), "ER": D("120.00")}
    assert [line.code for line in payslip.lines] == ["BASE", "OVERTIME", "BONUS", "SS", "TAX",
                                                     "ER"]
    assert payslip.gross == D("1200.00")
    assert payslip.total_deductions == D("195.60")
    assert payslip.net == D("1004.40")
    assert payslip.employer_contributions == D("120.00")
    assert payslip.employer_cost == D("1320.00")


def test_each_line_rounded_once_and_totals_are_sums_of_rounded_lines():
    # Three lines of 1/3 each: each rounds to 0.33; gross is the sum 1.00 + 0.99, not 2.00.
    payslip = compute([earning(f"E{i}", "1 / 3") for i in range(3)], make_employee(1))
    assert [line.amount for line in payslip.lines[1:]] == [D("0.33")] * 3
    assert payslip.gross == D("1.99")


def test_half_up_by_default_and_half_even_when_the_currency_says_so():
    concepts = [earning("HALF", "0.125")]
    assert amounts(compute(concepts, make_employee(0)))["HALF"] == D("0.13")
    even = Currency("EUR", RoundingPolicy(D("0.01"), "HALF_EVEN"))
    assert amounts(compute(concepts, make_employee(0), currency=even))["HALF"] == D("0.12")


def test_later_formulas_see_the_rounded_amount():
    payslip = compute([earning("A", "10 / 3"), earning("B", "A * 3")], make_employee(0))
    assert amounts(payslip) == {"A": D("3.33"), "B": D("9.99")}


def test_cycle_is_rejected_with_its_path():
    with pytest.raises(DependencyCycleError) as caught:
        compile_payroll(make_setup([earning("A", "B + 1"), earning("B", "C"),
                                    earning("C", "A")]))
    assert "A → B → C → A" in str(caught.value)


def test_self_reference_is_a_cycle():
    with pytest.raises(DependencyCycleError):
        compile_payroll(make_setup([earning("A", "A + 1")]))


@pytest.mark.parametrize(("concepts", "code"), [
    ([earning("A", "gross * 2%")], "reads_total_too_early"),
    ([earning("A", "SS"), deduction("SS", "10")], "reads_later_kind"),
    ([deduction("A", "net * 1%")], "reads_total_too_early"),
    ([deduction("A", "B", priority=1), deduction("B", "10", priority=2)],
     "reads_later_deduction"),
    ([deduction("A", "ER"), employer("ER", "10")], "reads_later_kind"),
])
def test_reads_that_break_the_order_are_configuration_errors(concepts, code):
    with pytest.raises(ConfigurationError) as caught:
        compile_payroll(make_setup(concepts))
    assert caught.value.code == code


def test_formula_error_names_concept_and_position():
    with pytest.raises(ConceptFormulaError) as caught:
        compile_payroll(make_setup([earning("BONUS", "salary * bogus")]))
    error = caught.value
    assert error.subject == "BONUS"
    assert error.field == "formula"
    assert error.formula_error.position == len("salary * ")


def test_net_pay_protection_cuts_and_skips_with_notices():
    payslip = compute([
        deduction("BIG", "800", priority=1),
        deduction("SKIPPY", "300", priority=2, shortfall=ShortfallPolicy.SKIP),
        deduction("CUT", "300", priority=3),
    ], make_employee(1000))
    assert amounts(payslip) == {"BASE": D("1000.00"), "BIG": D("800.00"), "CUT": D("200.00")}
    assert payslip.net == D("0.00")
    notices = {n.code: dict(n.params) for n in payslip.notices}
    assert notices["deduction_skipped"]["requested"] == D("300.00")
    assert notices["deduction_skipped"]["applied"] == 0
    assert notices["deduction_cut"]["requested"] == D("300.00")
    assert notices["deduction_cut"]["applied"] == D("200.00")
    assert notices["deduction_cut"]["shortfall"] == D("100.00")


def test_loan_limited_to_balance_and_to_what_fits():
    loans = (Loan("L1", "LOAN", D(300), D(120)), Loan("L2", "LOAN", D(300), D(5000)))
    payslip = compute([deduction("SS", "gross * 50%", priority=1),
                       deduction("LOAN", "loan.installment", priority=2, loan=True)],
                      make_employee(800, loans=loans))
    lines = [(line.code, line.loan_id, line.amount) for line in payslip.lines]
    assert lines == [("BASE", None, D("800.00")), ("SS", None, D("400.00")),
                     ("LOAN", "L1", D("120")), ("LOAN", "L2", D("280.00"))]
    assert payslip.loan_balances == {"L1": D(0), "L2": D("4720.00")}
    assert payslip.net == 0


def test_missing_exchange_rate_fails_only_that_employee():
    setup = make_setup([earning("BONUS", "10")], exchange_rates={"EUR": D("1.1")})
    employees = [make_employee(100, id="A"),
                 make_employee(100, id="B", salary_currency="GBP"),
                 make_employee(100, id="C", salary_currency="EUR")]
    result = compute_payroll(setup, employees)
    a, b, c = result.payslips
    assert a.status is PayslipStatus.OK and a.net == D("110.00")
    assert b.status is PayslipStatus.ERROR
    assert b.failure is not None and b.failure.code == "missing_exchange_rate"
    assert c.net == D("120.00")  # 100 EUR × 1.1 = 110.00 + 10
    assert result.totals.failed == 1 and result.totals.net == D("230.00")


def test_division_by_zero_is_an_employee_error_not_zero():
    payslip = compute([earning("X", "100 / input.DAYS")], make_employee(), inputs=["DAYS"])
    assert payslip.status is PayslipStatus.ERROR
    assert payslip.failure is not None
    assert payslip.failure.concept == "X"
    assert "zero" in payslip.failure.message


def test_negative_amount_is_an_error():
    payslip = compute([deduction("D", "10 - 20")])
    assert payslip.failure is not None and payslip.failure.code == "negative_amount"


def test_exclusions():
    setup = make_setup([earning("B", "1")])
    compiled = compile_payroll(setup)
    late = compiled.compute(make_employee(hire_date=date(2026, 2, 1)))
    gone = compiled.compute(make_employee(termination_date=date(2025, 12, 31)))
    assert late.status is gone.status is PayslipStatus.EXCLUDED
    assert late.notices[0].code == "excluded_not_hired"
    assert gone.notices[0].code == "excluded_terminated"
    assert late.lines == ()


def test_condition_false_gives_no_line():
    concepts = [earning("SENIOR", "100", condition="employee.years_of_service >= 5")]
    assert "SENIOR" not in amounts(compute(concepts, make_employee(hire_date=date(2022, 1, 1))))
    assert amounts(compute(concepts, make_employee(hire_date=date(2021, 1, 31))))["SENIOR"] == 100


def test_cap_and_floor_are_applied_before_rounding_and_traced():
    payslip = compute([earning("CAPPED", "salary", cap=D("500")),
                       earning("FLOORED", "1.234", floor=D("10"))], make_employee(1000))
    assert amounts(payslip)["CAPPED"] == D("500.00")
    assert amounts(payslip)["FLOORED"] == D("10.00")
    capped = next(line for line in payslip.lines if line.code == "CAPPED")
    assert capped.trace.unrounded == D(1000) and "cap" in capped.trace.note


def test_accumulators_read_prior_and_add_this_period():
    setup = make_setup(
        [deduction("SS", "min(gross, max(0, 1500 - ytd.SS_BASE)) * 10%")],
        accumulators=[Accumulator("SS_BASE", "min(gross, max(0, 1500 - ytd.SS_BASE))")])
    payslip = compile_payroll(setup).compute(make_employee(1000, ytd={"SS_BASE": D(1200)}))
    assert amounts(payslip)["SS"] == D("30.00")
    assert payslip.ytd_after == {"SS_BASE": D(1500)}


def test_tags_sum_their_concepts():
    payslip = compute([earning("A", "100", tags=frozenset({"TAXABLE"})),
                       earning("B", "50"),
                       earning("C", "30", tags=frozenset({"TAXABLE"})),
                       deduction("TAX", "total.TAXABLE * 10%")], make_employee(0))
    assert amounts(payslip)["TAX"] == D("13.00")


def test_trace_records_formula_values_and_table_row():
    table = Table("T", TableKind.PROGRESSIVE, (TableRow(D(0), D(1000), D(0), D(0)),
                                               TableRow(D(1000), None, D("0.1"), D(0))))
    payslip = compute([deduction("TAX", 'table("T", gross)')], make_employee(1500),
                      tables={"T": table})
    tax = next(line for line in payslip.lines if line.code == "TAX")
    assert tax.amount == D("50.00")
    assert tax.trace.formula == 'table("T", gross)'
    assert tax.trace.values == (("gross", D("1500.00")),)
    (hit,) = tax.trace.table_rows
    assert (hit.table, hit.row, hit.lower, hit.rate, hit.result) == ("T", 2, 1000, D("0.1"), 50)


def test_custom_fields_and_inputs():
    fields = [CustomFieldDef("DEPT", FieldType.TEXT, default="OPS")]
    concepts = [earning("SALES_BONUS", 'if(custom.DEPT == "SALES", input.UNITS * 2, 0)')]
    seller = make_employee(0, fields={"DEPT": "SALES"}, inputs={"UNITS": D(7)})
    assert amounts(compute(concepts, seller, custom_fields=fields, inputs=["UNITS"])) == {
        "SALES_BONUS": D("14.00")}
    other = make_employee(0, inputs={"UNITS": D(7)})
    assert amounts(compute(concepts, other, custom_fields=fields, inputs=["UNITS"])) == {}


def test_undeclared_input_is_an_employee_error():
    payslip = compute([earning("A", "1")], make_employee(inputs={"NOPE": D(1)}))
    assert payslip.failure is not None and payslip.failure.code == "unknown_input"


def test_required_custom_field_missing_is_an_employee_error():
    fields = [CustomFieldDef("GRADE", FieldType.NUMBER)]
    payslip = compute([earning("A", "custom.GRADE")], custom_fields=fields)
    assert payslip.failure is not None and payslip.failure.code == "missing_custom_field"


@pytest.mark.parametrize("code", ["BASE", "gross", "salary", "9X", "a.b"])
def test_bad_concept_codes(code):
    with pytest.raises(ConfigurationError):
        compile_payroll(make_setup([earning(code, "1")]))


def test_period_names_for_formulas():
    period = PayPeriod(date(2026, 3, 1), date(2026, 3, 31))
    payslip = compute([earning("N", "period.number * 100 + period.remaining_periods")],
                      make_employee(0), period=period)
    assert amounts(payslip)["N"] == Decimal(310)
