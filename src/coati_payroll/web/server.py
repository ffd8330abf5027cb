"""``payrollctl serve``: the production web server (waitress) for the ``coati-payroll`` service.

The command lives in the web package (``cli/main.py`` names it in ``COMMANDS``) because the
import contract keeps the entry points ``cli``, ``web`` and ``worker`` independent: a module of
``cli`` may not import ``web``.

Steps: read the Settings from the environment; when COATI_AUTO_MIGRATE is on, upgrade the
database to the latest schema; make sure the administrator ADMIN_USER exists (created with
ADMIN_PASSWORD when there is no active admin yet); build the app; serve it on HOST:PORT
(``--host``/``--port`` override them) with ``--threads`` worker threads until SIGTERM/SIGINT.
"""

from __future__ import annotations

import logging

import click

from coati_payroll.settings import Settings, SettingsError

log = logging.getLogger("coati_payroll.serve")

DEFAULT_THREADS = 8


def _ensure_admin(settings: Settings) -> None:
    from coati_payroll.db.engine import make_engine, make_session_factory
    from coati_payroll.services.bootstrap import ensure_admin
    from coati_payroll.services.errors import ServiceError
    from coati_payroll.services.uow import UnitOfWork

    engine = make_engine(settings.database_url)
    try:
        outcome = ensure_admin(UnitOfWork(make_session_factory(engine)), settings)
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    finally:
        engine.dispose()
    if outcome.created:
        log.warning("created the administrator %s from ADMIN_USER/ADMIN_PASSWORD",
                    outcome.username)


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port to listen on (default: PORT, 5000).")
@click.option("--threads", type=click.IntRange(1, 256), default=DEFAULT_THREADS,
              show_default=True, help="Request-handling threads.")
def serve(host: str | None, port: int | None, threads: int) -> None:
    """Run the web application with the production server (waitress)."""
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(f"invalid configuration:\n{error}") from error
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.auto_migrate:
        from coati_payroll.db import migrate

        click.echo("COATI_AUTO_MIGRATE: upgrading the database to the latest schema")
        migrate.upgrade(settings.database_url)
    _ensure_admin(settings)

    import waitress

    from coati_payroll.web.app import create_app

    try:
        app = create_app(settings)
    except SettingsError as error:
        raise click.ClickException(str(error)) from error
    listen_host = host or settings.host
    listen_port = port or settings.port
    click.echo(f"coati-payroll listening on http://{listen_host}:{listen_port}/ "
               f"({settings.environment}, {threads} threads)")
    waitress.serve(app, host=listen_host, port=listen_port, threads=threads,
                   ident="coati-payroll",
                   max_request_body_size=settings.max_content_length + 1024 * 1024)
