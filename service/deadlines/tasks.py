"""Background recompute of running deadlines after a calendar change."""

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.deadlines.recompute import recompute_running_clocks
from service.directory.calendar import load_calendar
from service.jobs.context import worker_context
from service.jobs.outbox import enqueue
from service.jobs.registry import job

logger = structlog.get_logger(__name__)


@job("deadlines.recompute")
async def recompute_deadlines() -> None:
    async with worker_context().session_scope() as session:
        calendar = await load_calendar(session)
        changed = await recompute_running_clocks(session, calendar, utcnow())
    logger.info("deadlines_recomputed", changed=changed)


async def schedule_recompute(session: AsyncSession) -> None:
    """Calendar-change hook: one recompute job per transaction, however many days changed."""
    transaction_id = (await session.execute(text("SELECT txid_current()"))).scalar_one()
    await enqueue(
        session, "deadlines.recompute", {}, dedupe_key=f"deadlines.recompute:{transaction_id}"
    )
