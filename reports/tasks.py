"""Jobs of the reports package (listed by ``reports.wiring``).

``reports.render`` renders one report; it records its own failures (a failed render is
retried through the API), except transient ones (object store or database unreachable):
those raise ``RenderDeferred`` and the broker retries the job with backoff, up to
``RENDER_RETRIES`` times; the last attempt records the failure. ``reports.deliver`` emails one
recipient and is retried with backoff until its attempts run out.
"""

from __future__ import annotations

import uuid

import structlog
from dramatiq.middleware import CurrentMessage

from reports.delivery import deliver as deliver_report
from reports.pipeline import DELIVER_JOB, RenderDeferred, render_report
from reports.service import RENDER_JOB
from service.jobs.context import worker_context
from service.jobs.registry import job
from service.scrub import transient_failure

logger = structlog.get_logger(__name__)

# Renders are long: their own queue, so that a worker may be dedicated to them.
QUEUE = "reports"
RENDER_TIME_LIMIT_MS = 60 * 60 * 1000
DELIVERY_RETRIES = 12
# A transient failure is retried after 30 s, 1 min, 2 min... (dramatiq's exponential backoff
# with jitter), about half an hour in all before the report is marked failed.
RENDER_RETRIES = 6
RENDER_MIN_BACKOFF_MS = 30_000
RENDER_MAX_BACKOFF_MS = 30 * 60_000


def render_should_retry(retries: int, exc: BaseException) -> bool:
    """Only transient failures are retried (a render deferred itself, or the database was
    unreachable before it could); any other exception is a bug, recorded as a failed job."""
    deferred = isinstance(exc, RenderDeferred) or transient_failure(exc)
    return deferred and retries < RENDER_RETRIES


@job(
    RENDER_JOB,
    queue=QUEUE,
    max_retries=RENDER_RETRIES,
    min_backoff=RENDER_MIN_BACKOFF_MS,
    max_backoff=RENDER_MAX_BACKOFF_MS,
    retry_when=lambda retries, exc: render_should_retry(retries, exc),
    time_limit=RENDER_TIME_LIMIT_MS,
)
async def render(report_id: str) -> None:
    context = worker_context()
    message = CurrentMessage.get_current_message()
    retries = int(message.options.get("retries", 0)) if message is not None else 0
    outcome = await render_report(
        context.sessions,
        context.settings,
        await context.object_store(),
        uuid.UUID(report_id),
        retry_transient=retries < RENDER_RETRIES,
        read_sessions=context.read_sessions,
    )
    logger.info("report_render_job", report_id=report_id, state=outcome.state, error=outcome.error)


@job(
    DELIVER_JOB,
    queue=QUEUE,
    max_retries=DELIVERY_RETRIES,
    min_backoff=30_000,
    max_backoff=30 * 60_000,
)
async def deliver(delivery_id: str) -> None:
    context = worker_context()
    state = await deliver_report(
        context.sessions,
        context.settings,
        await context.object_store(),
        uuid.UUID(delivery_id),
    )
    logger.info("report_delivery_job", delivery_id=delivery_id, state=state)
