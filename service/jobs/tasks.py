"""Housekeeping jobs of the jobs package."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import structlog

from service.jobs.context import worker_context
from service.jobs.models import OutboxMessage, OutboxState
from service.jobs.registry import job

logger = structlog.get_logger(__name__)

OUTBOX_RETENTION_DAYS = 7


@job("jobs.purge_outbox")
async def purge_outbox(retention_days: int = OUTBOX_RETENTION_DAYS) -> None:
    """Delete sent outbox rows older than ``retention_days`` (pending and failed ones stay)."""
    outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
    async with worker_context().session_scope() as session:
        result = await session.execute(
            sa.delete(outbox)
            .where(outbox.c.state == OutboxState.sent.value)
            .where(outbox.c.sent_at < sa.func.now() - timedelta(days=retention_days))
        )
    logger.info("outbox_purged", rows=getattr(result, "rowcount", None))
