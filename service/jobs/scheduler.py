"""Periodic sweeps, declared as data and enqueued through the outbox.

A domain's ``wire`` asks for a job once per time slot
(``builder.schedule("replies.chase_overdue", every_seconds=3600)``); the worker passes the
wiring's ``schedules`` to ``run_scheduler``. Every worker process runs the scheduler; each
slot's outbox row carries the dedupe key ``schedule:<job>:<slot>``, so however many
schedulers tick, a slot is enqueued once (the unique key makes the other inserts no-ops).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db import session_scope, utcnow
from service.jobs.outbox import insert_outbox
from service.jobs.registry import Schedule
from service.jobs.relay import wait_for_any

logger = structlog.get_logger(__name__)


async def tick(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime | None = None,
    schedules: Iterable[Schedule],
    last_slots: dict[str, int] | None = None,
) -> int:
    """Enqueue each schedule's current slot; returns how many rows this call inserted.

    ``last_slots`` (kept by a running scheduler) skips slots this process already did.
    """
    now = now or utcnow()
    due = [(s, s.slot(now)) for s in schedules if (last_slots or {}).get(s.job_name) != s.slot(now)]
    if not due:
        return 0
    inserted = 0
    async with session_scope(sessions) as session:
        for entry, slot in due:
            row_id = await insert_outbox(
                session, entry.job_name, entry.payload, dedupe_key=entry.dedupe_key(slot)
            )
            inserted += row_id is not None
    if last_slots is not None:
        last_slots.update({entry.job_name: slot for entry, slot in due})
    return inserted


async def run_scheduler(
    sessions: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    *,
    schedules: Iterable[Schedule],
    resolution_seconds: float = 1.0,
) -> None:
    """Tick until ``stop`` is set."""
    last_slots: dict[str, int] = {}
    while not stop.is_set():
        try:
            await tick(sessions, schedules=schedules, last_slots=last_slots)
        except Exception:
            logger.exception("scheduler_tick_failed")
        await wait_for_any(stop, seconds=resolution_seconds)
