"""The transactional outbox and the record of jobs that exhausted their retries."""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.db import bigint_id, jsonb_column, partial_index, timestamp_now, timestamp_or_none


class OutboxState(StrEnum):
    """Where an outbox message is: waiting for the relay to publish it (from
    ``available_at``), published, or given up."""

    pending = "pending"
    sent = "sent"
    # Given up after repeated errors that were not the broker being unreachable.
    failed = "failed"


class OutboxMessage(SQLModel, table=True):
    """A job to publish, written in the same transaction as the change that causes it; the
    relay publishes it once it is due (``available_at``), pushing that back after an error."""

    __tablename__ = "outbox"
    __table_args__ = (
        # The relay's working set: only pending rows, in the order they become due.
        partial_index("ix_outbox_pending_due", "available_at", "id", where="state = 'pending'"),
    )

    id: int | None = bigint_id(identity=False)
    job_name: str = Field(max_length=200)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column())
    queue: str = Field(max_length=100)
    created_at: datetime = timestamp_now()
    available_at: datetime = timestamp_now()
    state: OutboxState = Field(default=OutboxState.pending, sa_type=sa.String(16))
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    sent_at: datetime | None = timestamp_or_none()
    # Unique when set: enqueueing the same key twice (e.g. a scheduler time slot) is a no-op.
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)


class JobFailure(SQLModel, table=True):
    """A message that failed on its last allowed attempt; admins can re-run it."""

    __tablename__ = "job_failure"

    id: int | None = bigint_id(identity=False)
    message_id: str = Field(max_length=64, index=True)
    outbox_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    job_name: str = Field(max_length=200)
    queue: str = Field(max_length=100)
    # The actor's keyword arguments (jobs take ids and plain JSON).
    args: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column())
    error: str = Field(sa_type=sa.Text)
    traceback: str | None = Field(default=None, sa_type=sa.Text)
    failed_at: datetime = timestamp_now(index=True)
    retried_at: datetime | None = timestamp_or_none()
