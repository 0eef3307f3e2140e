"""Letters queued for the ``mail.send_letter`` job: one row per letter, keyed by its
idempotency key, so that enqueueing the same letter twice queues it once and a redelivered
job sends nothing twice (the row says it was sent)."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.db import bigint_id, timestamp_now, timestamp_or_none


class LetterState(StrEnum):
    pending = "pending"
    sent = "sent"
    skipped = "skipped"  # no SMTP configured
    refused = "refused"  # a 5xx for the recipient or the content: never retried


class QueuedLetter(SQLModel, table=True):
    """One letter for the ``mail.send_letter`` job, unique by its idempotency key
    (``key``); ``state`` says whether it was sent, skipped or refused."""

    __tablename__ = "mail_letter"

    id: int | None = bigint_id()
    key: str = Field(max_length=200, unique=True)
    recipient: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    text: str = Field(sa_type=sa.Text)
    html: str | None = Field(default=None, sa_type=sa.Text)
    state: LetterState = Field(default=LetterState.pending, sa_type=sa.String(16))
    attempts: int = Field(default=0)
    # The failure's type and SMTP code only (a server's text may echo the address).
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = timestamp_now()
    sent_at: datetime | None = timestamp_or_none()
