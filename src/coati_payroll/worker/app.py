"""The module the ``dramatiq`` command imports: ``dramatiq coati_payroll.worker.app
--processes P --threads T`` (``payrollctl worker`` runs exactly that).

Each worker process imports it after the fork: it reads the Settings from the environment,
builds the :class:`~coati_payroll.worker.runtime.WorkerRuntime` (Redis broker with the retry,
time-limit and lifecycle middleware; the chunk actor) and makes its broker the global one,
which is what the ``dramatiq`` command looks for. Invalid settings stop the process with the
list of problems.
"""

from __future__ import annotations

import logging

import dramatiq

from coati_payroll.settings import Settings
from coati_payroll.worker.runtime import WorkerRuntime

settings = Settings.from_env()
logging.getLogger("coati_payroll").setLevel(settings.log_level)
runtime = WorkerRuntime(settings)
broker = runtime.broker
dramatiq.set_broker(broker)
