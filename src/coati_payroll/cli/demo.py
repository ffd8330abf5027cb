"""``payrollctl demo``: a demo company to try Coati Payroll (the Quick start)."""

from __future__ import annotations

import click

from coati_payroll.cli.context import load_settings, unit_of_work_factory
from coati_payroll.cli.output import emit, handle_errors, json_option


@click.command()
@click.option("--employees", "count", type=click.IntRange(0, 100_000), default=25,
              show_default=True, help="How many demo employees the company should have.")
@json_option
@handle_errors
def demo(count: int, as_json: bool) -> None:
    """Create 'Coati Demo Co.' (company DEMO) with realistic concepts, a monthly payroll
    MONTHLY and N employees, some with loans and overtime. Running it again adds only what
    is missing. Exit 1 when the database holds a conflicting setup (e.g. another concept
    SS), 3 when the database is unreachable or not migrated."""
    from coati_payroll.scenario.schema import ScenarioError
    from coati_payroll.services.actor import Actor
    from coati_payroll.services.demo import create_demo
    from coati_payroll.services.errors import InvalidState

    with unit_of_work_factory(load_settings()) as new_uow, new_uow() as uow:
        try:
            summary = create_demo(uow.session, Actor.system("payrollctl demo"), count)
        except ScenarioError as error:
            raise InvalidState("the database holds a setup that conflicts with the demo's:\n"
                               + str(error)) from None
        uow.commit()
    emit(summary.as_dict(), as_json,
         f"Coati Demo Co. ({summary.company}): {summary.employees_total} employees "
         f"({summary.employees_created} new, {summary.loans_created} loans, "
         f"{summary.novelties_created} novelties), payroll {summary.payroll}; "
         f"{summary.setup_added} setup item(s) added")
