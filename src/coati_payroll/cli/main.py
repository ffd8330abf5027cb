"""The ``payrollctl`` command group: a thin registry of subcommands.

Each command (or command group) lives in its own module and is imported only when it is used,
so ``payrollctl --help`` and ``payrollctl simulate`` never load Flask, SQLAlchemy or the
database layer. To add a command, add one line to :data:`COMMANDS`.
"""

from __future__ import annotations

import importlib

import click

from coati_payroll import __version__

#: Command name → "module:attribute" of its click command or group.
COMMANDS: dict[str, str] = {
    "simulate": "coati_payroll.cli.simulate:simulate",
    "serve": "coati_payroll.web.server:serve",
    "db": "coati_payroll.cli.db:db",
    "users": "coati_payroll.cli.users:users",
    "config": "coati_payroll.cli.config:config",
    "employees": "coati_payroll.cli.employees:employees",
    "novelties": "coati_payroll.cli.novelties:novelties",
    "demo": "coati_payroll.cli.demo:demo",
    "runs": "coati_payroll.cli.runs:runs",
    "worker": "coati_payroll.cli.worker:worker",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use from :data:`COMMANDS`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in COMMANDS:
            return command
        module_name, attribute = COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{COMMANDS[cmd_name]} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="payrollctl")
def payrollctl() -> None:
    """Coati Payroll administration and simulation."""


def main() -> None:
    """Console-script entry point."""
    payrollctl()


if __name__ == "__main__":  # pragma: no cover
    main()
