"""The transactional outbox: a job is a row written in the caller's transaction.

If the transaction rolls back, the job never existed; if it commits, the relay will publish
it, however long the broker is away. The relay polls for pending rows (every
``relay_interval_seconds``); the insert sends no NOTIFY (migration 0260: PostgreSQL serialises
the commits of notifying transactions).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypedDict, Unpack

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from service.jobs.models import OutboxMessage, OutboxState
from service.kernel.wiring import wiring_of


class Scheduling(TypedDict, total=False):
    """When a job may run and whether it is a repeat."""

    # Holds the job back (seconds or a timedelta).
    delay: timedelta | float | None
    # A key already enqueued makes the insert a no-op.
    dedupe_key: str | None


class OutboxOptions(Scheduling, total=False):
    # The queue when the job is not (or no longer) declared in the wiring.
    queue: str | None


async def insert_outbox(
    session: AsyncSession, job_name: str, payload: dict[str, Any], **options: Unpack[OutboxOptions]
) -> int | None:
    """Insert the row; returns its id, or None when ``dedupe_key`` was already taken."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    statement = pg_insert(table).values(outbox_values(session, job_name, payload, **options))
    if options.get("dedupe_key") is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = await session.execute(statement.returning(table.c.id))
    return result.scalar_one_or_none()


def _declared_queue(session: AsyncSession, job_name: str, queue: str | None = None) -> str:
    """The queue of ``job_name``: the given one, else its declaration's. Raises ValueError for
    a job nobody declared and no queue given."""
    spec = wiring_of(session).job(job_name)
    if spec is None and queue is None:
        raise ValueError(
            f"unknown job {job_name!r}: declare it with @job and list it in its domain's wire()"
        )
    return queue or (spec.queue if spec else "default")


def _pending_row(
    job_name: str, payload: dict[str, Any], queue: str, dedupe_key: str | None
) -> dict[str, Any]:
    return {
        "job_name": job_name,
        "payload": to_jsonable_python(payload),
        "queue": queue,
        "state": OutboxState.pending.value,
        "attempts": 0,
        "dedupe_key": dedupe_key,
    }


def outbox_values(
    session: AsyncSession, job_name: str, payload: dict[str, Any], **options: Unpack[OutboxOptions]
) -> dict[str, Any]:
    """The column values of the outbox row for ``job_name(**payload)`` (``insert_outbox``'s,
    for a caller that writes it in a statement of its own, e.g. intake's one INSERT).
    Raises ValueError for a job nobody declared."""
    queue = _declared_queue(session, job_name, options.get("queue"))
    delay = options.get("delay")
    if isinstance(delay, int | float):
        delay = timedelta(seconds=delay)
    return {
        **_pending_row(job_name, payload, queue, options.get("dedupe_key")),
        "available_at": sa.func.now() + delay if delay else sa.func.now(),
    }


async def enqueue(
    session: AsyncSession, job_name: str, payload: dict[str, Any], **scheduling: Unpack[Scheduling]
) -> None:
    """Schedule ``job_name(**payload)`` in the caller's transaction (nothing is committed).

    ``payload`` holds ids and plain JSON; UUIDs, datetimes and enums are converted to
    strings. ``delay`` (seconds or a timedelta) holds the job back; a ``dedupe_key`` that was
    already enqueued makes this a no-op. Raises ValueError for a job nobody declared.
    """
    await insert_outbox(session, job_name, payload, **scheduling)


async def enqueue_many(
    session: AsyncSession, job_name: str, jobs: list[tuple[dict[str, Any], str | None]]
) -> None:
    """``enqueue`` for many jobs of one name in one executemany INSERT (the sweeps'):
    ``jobs`` holds (payload, dedupe_key) pairs; a taken dedupe key is skipped as there."""
    if not jobs:
        return
    queue = _declared_queue(session, job_name)
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    rows = [_pending_row(job_name, payload, queue, dedupe_key) for payload, dedupe_key in jobs]
    await session.execute(
        pg_insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]), rows
    )
