"""What every database command needs: the Settings from the environment and a unit-of-work
factory on the configured database (the engine is disposed when the block ends)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from coati_payroll.settings import Settings

if TYPE_CHECKING:
    from coati_payroll.services.uow import UnitOfWork


def load_settings() -> Settings:
    """The settings from the environment (raises SettingsError)."""
    return Settings.from_env()


@contextmanager
def unit_of_work_factory(settings: Settings) -> Iterator[Callable[[], UnitOfWork]]:
    """``with unit_of_work_factory(settings) as new_uow: with new_uow() as uow: ...``"""
    from coati_payroll.db.engine import make_engine, make_session_factory
    from coati_payroll.services.uow import UnitOfWork

    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    try:
        yield lambda: UnitOfWork(sessions)
    finally:
        engine.dispose()
