"""Jobs of the replies package: the periodic referral sweep and agency reminders."""

from __future__ import annotations

import structlog

from service.db import utcnow
from service.jobs.context import worker_context
from service.jobs.registry import job
from service.replies.notifications import deliver_reminder
from service.replies.service import NOTIFY_JOB
from service.replies.sweep import NOTIFY_MANY_JOB, sweep_referrals

logger = structlog.get_logger(__name__)

SWEEP_JOB = "referrals.sweep"
SWEEP_EVERY_SECONDS = 60


@job(SWEEP_JOB)
async def sweep() -> None:
    """Due soon / overdue flags, reminders, escalation events, silent feedback windows."""
    context = worker_context()
    async with context.session_scope() as session:
        result = await sweep_referrals(session, utcnow())
    logger.info(
        "referrals_swept",
        due_soon=len(result.due_soon),
        overdue=len(result.overdue),
        reminders=result.reminders,
        closed=len(result.closed),
    )


@job(NOTIFY_JOB)
async def notify_agency(notification_id: int) -> None:
    context = worker_context()
    async with context.session_scope() as session:
        status = await deliver_reminder(session, context.settings, notification_id)
    logger.info("agency_reminder", notification_id=notification_id, status=status)


@job(NOTIFY_MANY_JOB)
async def notify_agencies(notification_ids: list[int]) -> None:
    """The sweep's reminders, a chunk a job. Each reminder is delivered and recorded in its
    own transaction, so a retry (a mail server away half-way) sends none twice: the rows
    already sent are skipped, and ``MailUnavailable`` propagates for the job to be retried."""
    context = worker_context()
    statuses: dict[str, int] = {}
    for notification_id in notification_ids:
        async with context.session_scope() as session:
            status = await deliver_reminder(session, context.settings, notification_id)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    logger.info("agency_reminders", count=len(notification_ids), statuses=statuses)
