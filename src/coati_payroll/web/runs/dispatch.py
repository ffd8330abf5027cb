"""Starting a calculation and reading its progress: the one place the web pages touch the
calculation machinery.

:func:`start_calculation` goes through ``services.run_dispatch.calculate_or_enqueue``: the
run is calculated in the background by the workers when the queue is enabled, the payroll has
more employees than BACKGROUND_PAYROLL_THRESHOLD and Redis answers; otherwise in this request.
The reason comes back as a code and parameters, shown translated (:func:`reason_text`).
:func:`progress` is ``services.run_progress.progress`` (the JSON of the progress endpoint,
read by ``static/js/run-progress.js``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from coati_payroll.core.errors import PayrollError
from coati_payroll.queue import QueueClient, probe_redis
from coati_payroll.services import run_progress
from coati_payroll.services.actor import Actor
from coati_payroll.services.run_dispatch import calculate_or_enqueue
from coati_payroll.web.extensions import state, unit_of_work

__all__ = ["Started", "progress", "reason_text", "start_calculation"]


@dataclass(frozen=True, slots=True)
class Started:
    """How a calculation was started: ``sync`` (done when this returns) or ``background``
    (the workers calculate; the page shows the progress), and why."""

    mode: Literal["sync", "background"]
    reason: str
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


def reason_text(code: str, params: Mapping[str, Any], default: str) -> str:
    """Why the run was calculated where it was, in the user's language."""
    if code == "queue_disabled":
        return str(_("calculated in this request: the background queue is disabled"))
    if code == "below_threshold":
        return str(_("calculated in this request: %(employees)s employees, not more than the "
                     "background threshold of %(threshold)s",
                     employees=params.get("employees"), threshold=params.get("threshold")))
    if code == "redis_unreachable":
        return str(_("calculated in this request: the queue (Redis) is unreachable"))
    if code == "background":
        return str(_("%(employees)s employees, more than the background threshold of "
                     "%(threshold)s", employees=params.get("employees"),
                     threshold=params.get("threshold")))
    return default


def start_calculation(actor: Actor, run_id: int, *, recalculate: bool = False,
                      refresh_setup: bool = False) -> Started:
    """Calculate (or recalculate) the run, here or in the background. Raises the services'
    errors; a setup that does not compile leaves the run in ``error`` with its message (shown
    on the run's page)."""
    settings = state().settings
    client = QueueClient.from_settings(settings)
    try:
        outcome = calculate_or_enqueue(
            unit_of_work(), actor, run_id, settings,
            client.enqueue_chunk if client is not None else None, probe_redis,
            recalculate=recalculate, refresh_setup=refresh_setup if recalculate else None)
    except PayrollError as error:  # the service stored it on the run (status error)
        return Started("sync", str(error), "error")
    finally:
        if client is not None:
            client.close()
    decision = outcome.decision
    mode: Literal["sync", "background"] = "background" if outcome.mode == "background" \
        else "sync"
    return Started(mode, reason_text(decision.reason_code, decision.params,
                                     decision.reason_text),
                   decision.reason_code, dict(decision.params))


def progress(session: Session, run_id: int) -> dict[str, Any]:
    """The run's calculation progress as JSON data (see ``services.run_progress``): ``status``,
    ``mode``, ``finished``, ``total``, ``done``, ``failed``, ``percent``, ``error``,
    ``failed_employees`` ([{code, name, reason}]) and ``events`` ([{at, message …}]).
    Raises NotFound."""
    return run_progress.progress(session, run_id)
