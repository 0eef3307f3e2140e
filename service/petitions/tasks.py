"""Jobs of the petitions package (declared with ``@job``, run by dramatiq workers).

- ``petitions.notify(petition_id, event_id)``: tell the citizen (webhook or email), retried
  with exponential backoff until the channel takes it.
- ``petitions.sweep()``: every minute, the routing-step sweep (due soon, overdue,
  escalation to the city Front).
- ``petitions.notify_staff(reason, petition_ids)``: email the Front officers concerned (one
  queued letter each).
- ``petitions.purge_idempotency_keys()``: hourly, drop keys older than their retention.
- ``petitions.fold_counts()``: every minute, move the dashboard's change log into its summary
  (``repository.dashboard.fold_changes``; the dashboard is exact with or without it).
- ``petitions.suggest_duplicates(petition_id)``: after an intake commits, find and store its
  likely duplicates for triage (off the citizen's request).
"""

from __future__ import annotations

import uuid

import structlog

from service.db import utcnow
from service.jobs.context import in_transaction, worker_context
from service.jobs.registry import NOTIFICATION_RETRY, job
from service.petitions import idempotency, intake, notifications
from service.petitions.repository.dashboard import fold_changes
from service.petitions.sweep import sweep as run_sweep

logger = structlog.get_logger(__name__)


@job("petitions.notify", queue="notifications", retry=NOTIFICATION_RETRY)
async def notify(petition_id: str, event_id: int) -> None:
    context = worker_context()
    await notifications.deliver(
        context.sessions, context.settings, uuid.UUID(petition_id), int(event_id)
    )


@job("petitions.sweep")
async def sweep() -> None:
    outcome = await in_transaction(lambda session: run_sweep(session, utcnow()))
    logger.info(
        "petitions_swept",
        due_soon=len(outcome.due_soon),
        overdue=len(outcome.overdue),
        escalated=len(outcome.escalated),
    )


@job("petitions.notify_staff", queue="notifications")
async def notify_staff(reason: str, petition_ids: list[str]) -> None:
    """Due soon: the Front officers of each petition's ward. Overdue: the city Front.

    Queues one ``mail.send_letter`` job per officer (``service.mail.queue``): a retry of one
    letter resends that letter only, and this job run twice queues nothing twice."""
    context = worker_context()
    if not context.settings.smtp_host:
        logger.info("staff_notice_skipped", reason=reason, petitions=len(petition_ids))
        return
    async with context.session_scope() as session:
        queued = await notifications.queue_staff_letters(
            session, reason, [uuid.UUID(i) for i in petition_ids]
        )
    logger.info("staff_notice_queued", reason=reason, letters=queued)


@job("petitions.purge_idempotency_keys")
async def purge_idempotency_keys() -> None:
    removed = await in_transaction(idempotency.purge_expired)
    logger.info("idempotency_keys_purged", rows=removed)


@job("petitions.fold_counts")
async def fold_counts() -> None:
    fold = await in_transaction(fold_changes)
    if fold is None:
        logger.info("petition_counts_fold_skipped", reason="another fold is running")
    else:
        logger.info(
            "petition_counts_folded", changes=fold.changes, rows=fold.rows, emptied=fold.emptied
        )


@job(intake.SUGGEST_DUPLICATES_JOB)
async def suggest_duplicates(petition_id: str) -> None:
    stored = await in_transaction(
        lambda session: intake.suggest_duplicates(session, uuid.UUID(petition_id))
    )
    logger.info("duplicates_suggested", petition_id=petition_id, suggestions=stored)
