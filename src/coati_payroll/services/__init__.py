"""Use cases: the only layer that opens transactions and commits.

Every service function takes a :class:`~coati_payroll.services.uow.UnitOfWork` (or a session
factory) and an :class:`~coati_payroll.services.actor.Actor`, does one thing, writes its audit
entries in the same transaction, and raises :mod:`coati_payroll.services.errors` for anything a
user can correct. Entry points (web, API, CLI, worker) only translate to and from these calls.
"""
