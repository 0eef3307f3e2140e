"""Jobs of the reports package (listed in ``service.jobs.registry.TASK_MODULES``).

``reports.render`` renders one report; it records its own failures and is never retried by
the broker (a failed render is retried through the API). ``reports.deliver`` emails one
recipient and is retried with backoff until its attempts run out.
"""

from __future__ import annotations

import uuid

import structlog

from reports.delivery import deliver as deliver_report
from reports.pipeline import DELIVER_JOB, render_report
from reports.service import RENDER_JOB
from service.jobs.context import worker_context
from service.jobs.registry import job
from service.settings import Settings
from service.storage.store import ObjectStore, build_object_store

logger = structlog.get_logger(__name__)

# Renders are long: their own queue, so that a worker may be dedicated to them.
QUEUE = "reports"
RENDER_TIME_LIMIT_MS = 60 * 60 * 1000
DELIVERY_RETRIES = 12

_stores: dict[int, ObjectStore] = {}


async def object_store(settings: Settings) -> ObjectStore:
    """One store per process settings (the bucket checked once)."""
    store = _stores.get(id(settings))
    if store is None:
        store = build_object_store(settings)
        await store.start()
        _stores[id(settings)] = store
    return store


@job(RENDER_JOB, queue=QUEUE, max_retries=0, time_limit=RENDER_TIME_LIMIT_MS)
async def render(report_id: str) -> None:
    context = worker_context()
    outcome = await render_report(
        context.sessions,
        context.settings,
        await object_store(context.settings),
        uuid.UUID(report_id),
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
        await object_store(context.settings),
        uuid.UUID(delivery_id),
    )
    logger.info("report_delivery_job", delivery_id=delivery_id, state=state)
