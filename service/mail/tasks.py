"""The mail job: ``mail.send_letter(letter_id)`` sends one queued letter
(``service.mail.queue``), retried with exponential backoff while the server is unavailable."""

from __future__ import annotations

import structlog

from service.jobs.context import worker_context
from service.jobs.registry import job
from service.mail.queue import SEND_LETTER_JOB, send_queued

logger = structlog.get_logger(__name__)

SEND_MAX_RETRIES = 12
SEND_MIN_BACKOFF_MS = 5_000
SEND_MAX_BACKOFF_MS = 60 * 60 * 1000


@job(
    SEND_LETTER_JOB,
    queue="notifications",
    max_retries=SEND_MAX_RETRIES,
    min_backoff=SEND_MIN_BACKOFF_MS,
    max_backoff=SEND_MAX_BACKOFF_MS,
)
async def send_letter(letter_id: int) -> None:
    context = worker_context()
    state = await send_queued(context.sessions, context.settings, int(letter_id))
    logger.info("letter", letter_id=letter_id, state=state)
