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


@job("jobs.ensure_history_partitions")
async def ensure_history_partitions() -> None:
    """Create this year's and next year's partitions of the history tables (``petition_event``,
    ``referral_history``; migration 0230) if missing, so that no row waits in their DEFAULT
    partition. Creating one that exists is a no-op, so the daily run and a retry are harmless.
    Creating one locks the parent table briefly; the lock timeout keeps a long report query
    from making every history write queue behind this job (it tries again the next day, a year
    before the partition is needed)."""
    async with worker_context().session_scope() as session:
        await session.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
        created = (
            await session.execute(sa.text("SELECT history_ensure_partitions()"))
        ).scalar_one()
    logger.info("history_partitions_ensured", created=created)
