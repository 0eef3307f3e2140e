"""The relay: publishes due outbox rows to the broker and marks them sent.

Each pass locks a batch of pending, due rows (``FOR UPDATE SKIP LOCKED``, so several relays
share the work without publishing a row twice at the same time), publishes them, and marks
them sent in the same transaction. A crash after publishing but before the commit leaves the
rows pending and they are published again: delivery is at least once, and actors are
idempotent (the message's ``outbox_id`` option identifies a repeat).

When the broker is unreachable the row keeps state ``pending`` with ``attempts`` and
``last_error`` recorded and ``available_at`` pushed back (1 s, 2 s, 4 s ... 5 min); the rest of
the batch is left untouched for the next pass, so nothing is lost while the broker is down.
Other errors (e.g. a job no worker declares) count too, and after ``MAX_ATTEMPTS`` the row is
marked ``failed`` for an admin to look at.

The relay polls: a pass every ``relay_interval_seconds`` (0.25 s by default), at once again
while full batches come back. Nothing NOTIFYs it (migration 0260 dropped the insert
trigger): PostgreSQL serialises the commits of every transaction that calls ``pg_notify``,
which made all intakes queue behind each other at commit. An idle pass is one index probe of
``ix_outbox_pending_due`` (a partial index of the pending rows only, so it stays small however
large ``outbox`` grows); a job waits at most one interval before it is published.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import dramatiq
import sqlalchemy as sa
import structlog
from dramatiq.errors import BrokerConnectionError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db import session_scope
from service.jobs.middleware import OUTBOX_ID_OPTION
from service.jobs.models import OutboxMessage, OutboxState
from service.jobs.queues import broker_queue
from service.scrub import scrub
from service.settings import Settings

logger = structlog.get_logger(__name__)

MAX_ATTEMPTS = 20
MIN_RETRY_SECONDS = 1
MAX_RETRY_SECONDS = 300
_UNREACHABLE = (BrokerConnectionError, OSError, RedisConnectionError, RedisTimeoutError)

# Broker clients are blocking (pika keeps one connection per thread): publish from one
# dedicated thread so the event loop never blocks and the process keeps one connection.
_publisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-publisher")


@dataclass(frozen=True)
class _Due:
    id: int
    job_name: str
    queue: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class _Failure:
    id: int
    error: str
    unreachable: bool


def outbox_message(
    broker: dramatiq.Broker, row_id: int, job_name: str, queue: str, payload: dict[str, Any]
) -> Any:
    """The dramatiq message for an outbox row (``options["outbox_id"]`` names the row), on the
    broker's name for the job's queue."""
    return dramatiq.Message(
        queue_name=broker_queue(broker, queue),
        actor_name=job_name,
        args=(),
        kwargs=dict(payload),
        options={OUTBOX_ID_OPTION: row_id},
    )


def _publish(broker: dramatiq.Broker, rows: list[_Due]) -> tuple[list[int], list[_Failure]]:
    sent: list[int] = []
    failures: list[_Failure] = []
    for row in rows:
        try:
            message = outbox_message(broker, row.id, row.job_name, row.queue, row.payload)
            broker.declare_queue(message.queue_name)
            broker.enqueue(message)
        except Exception as exc:
            unreachable = isinstance(exc, _UNREACHABLE)
            error = f"{type(exc).__name__}: {scrub(str(exc))}"  # no broker address stored
            failures.append(_Failure(row.id, error[:2000], unreachable))
            if unreachable:
                break  # the rest of the batch would fail the same way; leave it untouched
        else:
            sent.append(row.id)
    return sent, failures


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(MIN_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS))


async def relay_once(
    sessions: async_sessionmaker[AsyncSession], broker: dramatiq.Broker, batch: int = 500
) -> int:
    """Publish up to ``batch`` due rows; returns how many were sent."""
    outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
    async with session_scope(sessions) as session:
        result = await session.execute(
            sa.select(
                outbox.c.id, outbox.c.job_name, outbox.c.queue, outbox.c.payload, outbox.c.attempts
            )
            .where(outbox.c.state == OutboxState.pending.value)
            .where(outbox.c.available_at <= sa.func.now())
            .order_by(outbox.c.available_at, outbox.c.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        rows = [_Due(*row) for row in result.all()]
        if not rows:
            return 0
        loop = asyncio.get_running_loop()
        sent, failures = await loop.run_in_executor(_publisher, _publish, broker, rows)
        if sent:
            await session.execute(
                sa.update(outbox)
                .where(outbox.c.id.in_(sent))
                .values(state=OutboxState.sent.value, sent_at=sa.func.now())
            )
        attempts_by_id = {row.id: row.attempts for row in rows}
        for failure in failures:
            attempts = attempts_by_id[failure.id] + 1
            gave_up = not failure.unreachable and attempts >= MAX_ATTEMPTS
            await session.execute(
                sa.update(outbox)
                .where(outbox.c.id == failure.id)
                .values(
                    attempts=attempts,
                    last_error=failure.error,
                    available_at=sa.func.now() + retry_delay(attempts),
                    state=(OutboxState.failed if gave_up else OutboxState.pending).value,
                )
            )
            logger.warning(
                "outbox_publish_failed",
                outbox_id=failure.id,
                attempts=attempts,
                error=failure.error,
                gave_up=gave_up,
            )
    return len(sent)


async def wait_for_any(*events: asyncio.Event, seconds: float) -> None:
    """Sleep until one of ``events`` is set or ``seconds`` pass."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def run_relay(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    broker: dramatiq.Broker,
    stop: asyncio.Event,
) -> None:
    """Relay until ``stop`` is set: a pass every ``relay_interval_seconds``, at once again
    after a full batch."""
    while not stop.is_set():
        try:
            sent = await relay_once(sessions, broker, settings.relay_batch_size)
        except Exception:
            logger.exception("outbox_relay_failed")
            sent = 0
        if sent >= settings.relay_batch_size:
            continue  # more rows are waiting
        await wait_for_any(stop, seconds=settings.relay_interval_seconds)
