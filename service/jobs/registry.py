"""Job declarations, kept apart from any broker.

``@job("petitions.notify_agency", queue="default")`` records a function; nothing touches
dramatiq at import time. ``service.jobs.broker.setup_broker`` later declares every recorded
job as an actor on the broker it builds, so tests and processes each get a fresh broker.

A job takes keyword arguments that are ids or plain JSON (they travel as the outbox row's
payload), must be idempotent (a message may be delivered twice), and is either a plain
function or an ``async def`` (run on the worker thread's event loop by ``run_async``).

Packages with jobs put them in their own ``tasks`` module and append its dotted path to
``TASK_MODULES`` so that a worker (and ``enqueue``'s name check) sees them.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

TASK_MODULES: list[str] = [
    "service.jobs.tasks",
    "service.deadlines.tasks",
    "service.audit.tasks",
    "service.mail.tasks",
    "service.replies.tasks",
    "service.petitions.tasks",
    "reports.tasks",
]

_QUEUE_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9._-]*$")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class JobSpec:
    name: str
    fn: Callable[..., Any]
    queue: str = "default"
    # None = the broker's default (settings.job_max_retries).
    max_retries: int | None = None
    # Any other dramatiq actor option: time_limit, max_age, min_backoff, max_backoff, throws...
    options: dict[str, Any] = field(default_factory=dict)


_JOBS: dict[str, JobSpec] = {}


def job(
    name: str, *, queue: str = "default", max_retries: int | None = None, **options: Any
) -> Callable[[F], F]:
    """Record ``fn`` as the job ``name``; the function itself is returned unchanged."""
    if not _QUEUE_NAME.match(queue):
        raise ValueError(f"invalid queue name {queue!r}")

    def decorator(fn: F) -> F:
        existing = _JOBS.get(name)
        if existing is not None and existing.fn.__qualname__ != fn.__qualname__:
            raise ValueError(f"job {name!r} is already registered by {existing.fn!r}")
        _JOBS[name] = JobSpec(
            name=name, fn=fn, queue=queue, max_retries=max_retries, options=dict(options)
        )
        return fn

    return decorator


def import_task_modules() -> None:
    """Import every module in ``TASK_MODULES`` so their ``@job`` declarations run."""
    for module in TASK_MODULES:
        importlib.import_module(module)


def registered_jobs() -> dict[str, JobSpec]:
    return dict(_JOBS)


def get_job(name: str) -> JobSpec | None:
    """The job called ``name``, importing the task modules first if it is not known yet."""
    spec = _JOBS.get(name)
    if spec is None:
        import_task_modules()
        spec = _JOBS.get(name)
    return spec
