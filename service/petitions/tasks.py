"""Jobs of the petitions package (declared with ``@job``, run by dramatiq workers).

- ``petitions.notify(petition_id, event_id)``: tell the citizen (webhook or email), retried
  with exponential backoff until the channel takes it.
- ``petitions.sweep()``: every minute, the routing-step sweep (due soon, overdue,
  escalation to the city Front).
- ``petitions.notify_staff(reason, petition_ids)``: email the Front officers concerned.
- ``petitions.purge_idempotency_keys()``: hourly, drop keys older than their retention.
"""

from __future__ import annotations

import asyncio
import smtplib
import uuid
from email.message import EmailMessage

import sqlalchemy as sa
import structlog
from sqlmodel import col

from service.auth.models import Role, StaffUser
from service.db import utcnow
from service.jobs.context import worker_context
from service.jobs.registry import job
from service.petitions import idempotency, notifications
from service.petitions.models import Petition
from service.petitions.sweep import sweep as run_sweep
from service.settings import Settings

logger = structlog.get_logger(__name__)

NOTIFY_MAX_RETRIES = 12
NOTIFY_MIN_BACKOFF_MS = 5_000
NOTIFY_MAX_BACKOFF_MS = 60 * 60 * 1000


@job(
    "petitions.notify",
    queue="notifications",
    max_retries=NOTIFY_MAX_RETRIES,
    min_backoff=NOTIFY_MIN_BACKOFF_MS,
    max_backoff=NOTIFY_MAX_BACKOFF_MS,
)
async def notify(petition_id: str, event_id: int) -> None:
    context = worker_context()
    await notifications.deliver(
        context.sessions, context.settings, uuid.UUID(petition_id), int(event_id)
    )


@job("petitions.sweep")
async def sweep() -> None:
    context = worker_context()
    async with context.session_scope() as session:
        outcome = await run_sweep(session, utcnow())
    logger.info(
        "petitions_swept",
        due_soon=len(outcome.due_soon),
        overdue=len(outcome.overdue),
        escalated=len(outcome.escalated),
    )


@job("petitions.notify_staff", queue="notifications")
async def notify_staff(reason: str, petition_ids: list[str]) -> None:
    """Due soon: the Front officers of each petition's ward. Overdue: the city Front."""
    context = worker_context()
    ids = [uuid.UUID(i) for i in petition_ids]
    async with context.session_scope() as session:
        petitions = (
            await session.execute(
                sa.select(
                    col(Petition.tracking_code),
                    col(Petition.title),
                    col(Petition.unit_code),
                    col(Petition.due_at),
                ).where(col(Petition.id).in_(ids))
            )
        ).all()
        officers = (
            (
                await session.execute(
                    sa.select(col(StaffUser.email), col(StaffUser.unit_code)).where(
                        col(StaffUser.role) == Role.front_officer.value,
                        col(StaffUser.active).is_(True),
                        col(StaffUser.email).is_not(None),
                    )
                )
            )
            .tuples()
            .all()
        )
    letters: dict[str, list[str]] = {}
    for code, title, unit_code, due_at in petitions:
        line = f"{code} ({unit_code}) hạn {due_at:%d/%m/%Y %H:%M} UTC: {title}"
        for email, officer_unit in officers:
            if email is None:
                continue
            concerned = officer_unit is None if reason == "overdue" else officer_unit == unit_code
            if concerned:
                letters.setdefault(email, []).append(line)
    if not letters:
        return
    if not context.settings.smtp_host:
        logger.info("staff_notice_skipped", reason=reason, recipients=len(letters))
        return
    await asyncio.to_thread(_send_staff_letters, context.settings, reason, letters)


def _send_staff_letters(settings: Settings, reason: str, letters: dict[str, list[str]]) -> None:
    subject = (
        "Đơn quá hạn chuyển xử lý (chuyển MTTQ thành phố)"
        if reason == "overdue"
        else "Đơn sắp đến hạn chuyển xử lý"
    )
    assert settings.smtp_host is not None
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        for address, lines in letters.items():
            message = EmailMessage()
            message["From"] = settings.smtp_from
            message["To"] = address
            message["Subject"] = subject
            message.set_content("\n".join(lines))
            smtp.send_message(message)


@job("petitions.purge_idempotency_keys")
async def purge_idempotency_keys() -> None:
    context = worker_context()
    async with context.session_scope() as session:
        removed = await idempotency.purge_expired(session)
    logger.info("idempotency_keys_purged", rows=removed)
