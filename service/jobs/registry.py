"""Job and schedule declarations, kept apart from any broker and any registry.

``@job("petitions.notify_agency", queue="default")`` only *marks* a function (it gets a
``JobSpec`` attribute); nothing is recorded anywhere and nothing touches dramatiq at import
time. A domain lists its jobs in its ``wire(builder, settings)`` (``builder.add_jobs(tasks)``
takes every marked function of a module), together with its schedules
(``builder.schedule("replies.chase_overdue", every_seconds=3600)``). The broker built by
``service.jobs.broker.setup_broker(settings, wiring)`` declares exactly the wiring's jobs.

A job takes keyword arguments that are ids or plain JSON (they travel as the outbox row's
payload), must be idempotent (a message may be delivered twice), and is either a plain
function or an ``async def`` (run on the worker thread's event loop by ``run_async``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

_QUEUE_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9._-]*$")
_MARK = "__giamsat_job__"

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


@dataclass(frozen=True)
class RetryPolicy:
    """How a job that fails is retried: at most ``max_retries`` times, dramatiq's exponential
    backoff between ``min_backoff_ms`` and ``max_backoff_ms`` (``@job(..., retry=policy)``)."""

    max_retries: int
    min_backoff_ms: int
    max_backoff_ms: int


# A message to a person or a partner (a letter, a webhook, an SMS): a dozen tries, from
# seconds apart to an hour apart, so an outage of a day's morning is ridden out.
NOTIFICATION_RETRY = RetryPolicy(max_retries=12, min_backoff_ms=5_000, max_backoff_ms=3_600_000)


def job(
    name: str,
    *,
    queue: str = "default",
    max_retries: int | None = None,
    retry: RetryPolicy | None = None,
    **options: Any,
) -> Callable[[F], F]:
    """Mark ``fn`` as the job ``name``; the function itself is returned unchanged. ``retry``
    sets ``max_retries`` and the backoff options together."""
    if not _QUEUE_NAME.match(queue):
        raise ValueError(f"invalid queue name {queue!r}")
    if retry is not None:
        max_retries = retry.max_retries
        options = {
            "min_backoff": retry.min_backoff_ms,
            "max_backoff": retry.max_backoff_ms,
            **options,
        }

    def decorator(fn: F) -> F:
        spec = JobSpec(name=name, fn=fn, queue=queue, max_retries=max_retries, options=options)
        setattr(fn, _MARK, spec)
        return fn

    return decorator


def job_spec(candidate: object) -> JobSpec | None:
    """The ``JobSpec`` that ``@job`` attached to ``candidate`` (None for anything else)."""
    spec = getattr(candidate, _MARK, None) if callable(candidate) else None
    return spec if isinstance(spec, JobSpec) and spec.fn is candidate else None


@dataclass(frozen=True)
class Schedule:
    """A periodic job: one outbox row per ``every_seconds`` slot (``service.jobs.scheduler``)."""

    job_name: str
    every_seconds: int
    payload: dict[str, Any] = field(default_factory=dict)

    def slot(self, now: datetime) -> int:
        return int(now.timestamp()) // self.every_seconds

    def dedupe_key(self, slot: int) -> str:
        return f"schedule:{self.job_name}:{slot}"
