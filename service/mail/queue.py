"""One letter per job: ``enqueue_letter`` stores the letter and queues ``mail.send_letter``
for it in the caller's transaction; ``send_queued`` is what that job does.

A job that would loop over recipients instead enqueues one letter each, so a retry (of the
letter's job) resends that letter only, and a redelivered job resends nothing: the row is
locked while it is sent and says afterwards that it was. Keys make enqueueing idempotent too:
the same key queued twice (a redelivered job that enqueues) is one letter.
"""

from __future__ import annotations

import structlog
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db import claim_pending, session_scope, utcnow
from service.jobs.outbox import enqueue
from service.mail.letter import Letter
from service.mail.mailer import NO_SMTP, LetterRefused, Mailer, MailUnavailable, mailer_for
from service.mail.models import LetterState, QueuedLetter
from service.settings import Settings

logger = structlog.get_logger(__name__)

SEND_LETTER_JOB = "mail.send_letter"


async def enqueue_letter(session: AsyncSession, letter: Letter) -> bool:
    """Queue ``letter`` (nothing is committed); False when its key was queued already."""
    if letter.attachments:
        raise ValueError("queued letters carry no attachments; send those with a Mailer")
    table = QueuedLetter.__table__  # type: ignore[attr-defined]
    inserted = await session.execute(
        pg_insert(table)
        .values(
            key=letter.key,
            recipient=letter.to,
            subject=letter.subject,
            text=letter.text,
            html=letter.html,
            state=LetterState.pending.value,
            attempts=0,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.id)
    )
    letter_id = inserted.scalar_one_or_none()
    if letter_id is None:
        return False
    await enqueue(session, SEND_LETTER_JOB, {"letter_id": letter_id})
    return True


async def send_queued(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    letter_id: int,
    mailer: Mailer | None = None,
) -> LetterState | None:
    """Send one queued letter; its state afterwards (None: no such row).

    ``MailUnavailable`` is raised after the attempt is recorded, so the job is retried.
    """
    failure: MailUnavailable | None = None
    async with session_scope(sessions) as session:
        row, settled = await claim_pending(session, QueuedLetter, letter_id, LetterState.pending)
        if row is None:
            return settled
        mailer = mailer or mailer_for(settings)
        if mailer is None:
            row.state, row.last_error = LetterState.skipped, NO_SMTP
            return LetterState.skipped
        row.attempts += 1
        letter = Letter(
            to=row.recipient, subject=row.subject, text=row.text, html=row.html, key=row.key
        )
        try:
            await mailer.send(letter)
        except LetterRefused as exc:
            row.state, row.last_error = LetterState.refused, exc.detail
            logger.warning("letter_refused", letter_id=letter_id, error=exc.detail)
            return LetterState.refused
        except MailUnavailable as exc:
            row.last_error = exc.detail
            failure = exc
        else:
            row.state, row.sent_at, row.last_error = LetterState.sent, utcnow(), None
            return LetterState.sent
    assert failure is not None
    raise failure
