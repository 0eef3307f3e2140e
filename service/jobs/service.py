"""Admin operations on jobs: failed jobs (list, re-run) and the outbox's state."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.audit.service import Actor, record
from service.db import utcnow
from service.errors import Conflict, NotFound
from service.i18n import msg
from service.jobs.models import JobFailure, OutboxMessage, OutboxState
from service.jobs.outbox import insert_outbox
from service.jobs.schemas import OutboxStats
from service.kernel.wiring import wiring_of


async def list_failures(
    session: AsyncSession,
    *,
    cursor: int | None = None,
    limit: int = 50,
    include_retried: bool = False,
) -> tuple[list[JobFailure], int | None]:
    """Newest first; ``cursor`` is the last id of the previous page."""
    query = select(JobFailure).order_by(col(JobFailure.id).desc()).limit(limit + 1)
    if cursor is not None:
        query = query.where(col(JobFailure.id) < cursor)
    if not include_retried:
        query = query.where(col(JobFailure.retried_at).is_(None))
    failures = list((await session.execute(query)).scalars().all())
    next_cursor = failures[limit - 1].id if len(failures) > limit else None
    return failures[:limit], next_cursor


async def retry_failure(session: AsyncSession, failure_id: int, *, actor: Actor) -> JobFailure:
    """Re-enqueue a failed job through the outbox (once per failure row)."""
    failure = (
        await session.execute(
            select(JobFailure).where(col(JobFailure.id) == failure_id).with_for_update()
        )
    ).scalar_one_or_none()
    if failure is None:
        raise NotFound(msg("failed_job_not_found", id=failure_id))
    if failure.retried_at is not None:
        raise Conflict(msg("failed_job_retried", id=failure_id, at=failure.retried_at))
    spec = wiring_of(session).job(failure.job_name)
    outbox_id = await insert_outbox(
        session, failure.job_name, failure.args, queue=spec.queue if spec else failure.queue
    )
    failure.retried_at = utcnow()
    session.add(failure)
    await session.flush()
    await record(
        session,
        actor=actor,
        action="job.retried",
        entity_type="job_failure",
        entity_id=failure_id,
        after={"job_name": failure.job_name, "outbox_id": outbox_id},
    )
    return failure


async def outbox_stats(session: AsyncSession) -> OutboxStats:
    outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
    counts = {state.value: 0 for state in OutboxState}
    for state, count in (
        await session.execute(sa.select(outbox.c.state, sa.func.count()).group_by(outbox.c.state))
    ).all():
        counts[state] = int(count)
    pending = outbox.c.state == OutboxState.pending.value
    oldest, with_errors = (
        await session.execute(
            sa.select(
                sa.func.extract("epoch", sa.func.now() - sa.func.min(outbox.c.created_at)),
                sa.func.count().filter(outbox.c.attempts > 0),
            ).where(pending)
        )
    ).one()
    unretried = (
        await session.execute(
            sa.select(sa.func.count())
            .select_from(JobFailure)
            .where(col(JobFailure.retried_at).is_(None))
        )
    ).scalar_one()
    return OutboxStats(
        counts=counts,
        oldest_pending_age_seconds=float(oldest) if oldest is not None else None,
        pending_with_errors=int(with_errors),
        unretried_failures=int(unretried),
    )
