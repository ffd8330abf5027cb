"""The background worker: Dramatiq actors that compute payroll-run chunks.

``dramatiq coati_payroll.worker.app`` (or ``payrollctl worker``) runs it; see
docs/background.md. Modules:

* :mod:`.broker` — the broker with its middleware (retries for transient database errors,
  time limit, the per-process lifecycle that starts the reaper and heartbeat threads);
* :mod:`.actors` — the actor: a message carries a run id and a chunk position, the actor calls
  :func:`coati_payroll.services.background.process_chunk` (idempotent);
* :mod:`.runtime` — what one worker process holds: settings, database engine, broker, the
  reaper and heartbeat threads;
* :mod:`.app` — the module the ``dramatiq`` command imports: builds all of it from the
  environment (``Settings.from_env()``).

The worker imports neither ``web`` nor ``cli`` (import-linter independence contract).
"""
