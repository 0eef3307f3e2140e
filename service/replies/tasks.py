"""Jobs of the replies package: the periodic referral sweep and agency reminders."""

from __future__ import annotations

import structlog

from service.db import utcnow
from service.jobs.context import worker_context
from service.jobs.registry import job
from service.replies.notifications import deliver_reminder
from service.replies.service import NOTIFY_JOB
from service.replies.sweep import sweep_referrals

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
