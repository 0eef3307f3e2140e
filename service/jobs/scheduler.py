"""Periodic sweeps, declared as data and enqueued through the outbox.

``schedule("replies.chase_overdue", every_seconds=3600)`` (in a tasks module) asks for the job
once per time slot. Every worker process runs the scheduler; each slot's outbox row carries
the dedupe key ``schedule:<job>:<slot>``, so however many schedulers tick, a slot is enqueued
once (the unique key makes the other inserts no-ops).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db import session_scope, utcnow
from service.jobs.outbox import insert_outbox
from service.jobs.relay import wait_for_any

logger = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Schedule:
    job_name: str
    every_seconds: int
    payload: dict[str, Any] = field(default_factory=dict)

    def slot(self, now: datetime) -> int:
        return int(now.timestamp()) // self.every_seconds

    def dedupe_key(self, slot: int) -> str:
        return f"schedule:{self.job_name}:{slot}"


SCHEDULES: list[Schedule] = []


def schedule(job_name: str, every_seconds: int, payload: dict[str, Any] | None = None) -> Schedule:
    """Run ``job_name`` every ``every_seconds`` (replaces an earlier schedule of that job)."""
    if every_seconds < 1:
        raise ValueError("every_seconds must be at least 1")
    entry = Schedule(job_name, int(every_seconds), dict(payload or {}))
    SCHEDULES[:] = [s for s in SCHEDULES if s.job_name != job_name]
    SCHEDULES.append(entry)
    return entry


def registered_schedules() -> list[Schedule]:
    from service.jobs.registry import import_task_modules

    import_task_modules()
    return list(SCHEDULES)


async def tick(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime | None = None,
    schedules: list[Schedule] | None = None,
    last_slots: dict[str, int] | None = None,
) -> int:
    """Enqueue each schedule's current slot; returns how many rows this call inserted.

    ``last_slots`` (kept by a running scheduler) skips slots this process already did.
    """
    now = now or utcnow()
    entries = registered_schedules() if schedules is None else schedules
    due = [(s, s.slot(now)) for s in entries if (last_slots or {}).get(s.job_name) != s.slot(now)]
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
    schedules: list[Schedule] | None = None,
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
