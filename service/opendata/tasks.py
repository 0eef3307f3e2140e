"""Jobs of the open data.

- ``opendata.build(day=None)``: daily, write the day's files (the published answers and the
  monthly statistics, CSV and JSON) into the object store and record them. Idempotent: a
  (dataset, format, day) already recorded is skipped. A store that is down raises
  ``ObjectStoreUnavailable``; the job is retried with backoff and the day's files come later.
"""

from __future__ import annotations

from datetime import date

import structlog

from service.db import utcnow
from service.jobs.context import worker_context
from service.jobs.registry import RetryPolicy, job
from service.opendata import service

logger = structlog.get_logger(__name__)

BUILD_RETRY = RetryPolicy(max_retries=8, min_backoff_ms=60_000, max_backoff_ms=2 * 60 * 60 * 1000)
BUILD_TIME_LIMIT_MS = 2 * 60 * 60 * 1000


@job(
    "opendata.build",
    retry=BUILD_RETRY,
    # Four files of a million rows each may outlast dramatiq's default limit (ten minutes).
    time_limit=BUILD_TIME_LIMIT_MS,
)
async def build(day: str | None = None) -> None:
    context = worker_context()
    release = date.fromisoformat(day) if day else service.release_day(utcnow(), context.settings)
    store = await context.object_store()
    async with context.session_scope() as session:
        built = await service.build_release(session, store, context.settings, release)
    logger.info(
        "open_data_built",
        day=release.isoformat(),
        files=[f"{row.dataset}.{row.format}" for row in built],
        rows=sum(row.rows for row in built),
    )
