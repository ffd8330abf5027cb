"""``payrollctl worker``: run the background workers (the ``coati-payroll-worker`` service).

It checks the Settings, then replaces itself (``exec``) with::

    dramatiq coati_payroll.worker.app --processes DRAMATIQ_WORKER_PROCESSES \\
        --threads DRAMATIQ_WORKER_THREADS

so that signals from systemd reach Dramatiq directly. ``--processes``/``--threads`` override
the settings. The Dramatiq parent exits when one of its worker processes dies: run it under a
supervisor that restarts it (the systemd unit has ``Restart=always``).
"""

from __future__ import annotations

import os
import shutil
import sys

import click

from coati_payroll.cli.output import EXIT_ENVIRONMENT
from coati_payroll.settings import Settings, SettingsError

APP_MODULE = "coati_payroll.worker.app"


def dramatiq_command(settings: Settings, processes: int | None = None,
                     threads: int | None = None) -> list[str]:
    """The command line ``payrollctl worker`` execs (the dramatiq script next to Python)."""
    script = os.path.join(os.path.dirname(sys.executable), "dramatiq")
    if not os.path.exists(script):
        script = shutil.which("dramatiq") or "dramatiq"
    return [script, APP_MODULE,
            "--processes", str(processes or settings.dramatiq_worker_processes),
            "--threads", str(threads or settings.dramatiq_worker_threads)]


@click.command()
@click.option("--processes", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: DRAMATIQ_WORKER_PROCESSES).")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="Threads per process (default: DRAMATIQ_WORKER_THREADS).")
@click.option("--dry-run", is_flag=True, help="Print the command instead of running it.")
def worker(processes: int | None, threads: int | None, dry_run: bool) -> None:
    """Run the background payroll workers (Dramatiq) until stopped."""
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        click.echo(f"invalid configuration:\n{error}", err=True)
        sys.exit(EXIT_ENVIRONMENT)
    if settings.redis_url is None:
        click.echo("the worker needs REDIS_URL (the queue of background payroll runs)",
                   err=True)
        sys.exit(EXIT_ENVIRONMENT)
    command = dramatiq_command(settings, processes, threads)
    if dry_run:
        click.echo(" ".join(command))
        return
    sys.stdout.flush()
    os.execv(command[0], command)
