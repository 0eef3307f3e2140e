"""The mail job: ``mail.send_letter(letter_id)`` sends one queued letter
(``service.mail.queue``), retried with exponential backoff while the server is unavailable."""

from __future__ import annotations

import structlog

from service.jobs.context import worker_context
from service.jobs.registry import NOTIFICATION_RETRY, job
from service.mail.queue import SEND_LETTER_JOB, send_queued

logger = structlog.get_logger(__name__)


@job(SEND_LETTER_JOB, queue="notifications", retry=NOTIFICATION_RETRY)
async def send_letter(letter_id: int) -> None:
    context = worker_context()
    state = await send_queued(context.sessions, context.settings, int(letter_id))
    logger.info("letter", letter_id=letter_id, state=state)
