"""The ``opendata.build`` job through the outbox, the relay and a real worker thread: it
writes the day's four files and their rows; the same job again (a duplicate message, the
scheduler's next tick within the day) writes nothing more."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.db import session_scope, utcnow
from service.jobs.broker import broker_queue, setup_broker, start_worker
from service.jobs.outbox import enqueue
from service.jobs.relay import relay_once
from service.kernel.wiring import Wiring
from service.opendata import service as opendata
from service.opendata.models import OpenDataFile
from service.settings import Settings
from service.storage.local import LocalObjectStore


@pytest.fixture
async def sessions(
    committed_engine: AsyncEngine, wiring: Wiring
) -> async_sessionmaker[AsyncSession]:
    return wiring.sessions(committed_engine)


@pytest.fixture
async def stop_workers() -> AsyncIterator[list[Any]]:
    started: list[Any] = []
    yield started
    for thing in reversed(started):
        await asyncio.to_thread(thing.stop, 10_000)


async def files(sessions: async_sessionmaker[AsyncSession]) -> list[OpenDataFile]:
    async with sessions() as session:
        return list((await session.execute(select(OpenDataFile))).scalars())


async def test_the_daily_job_builds_once(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    stop_workers: list[Any],
    wiring: Wiring,
) -> None:
    assert "opendata.build" in {s.job_name for s in wiring.schedules}
    day = opendata.release_day(utcnow(), settings) + timedelta(days=30)
    broker = setup_broker(settings, wiring)
    worker = start_worker(broker, threads=1, queues={"default"})
    stop_workers.append(worker)
    written: dict[str, int] = {}
    for attempt in range(2):
        async with session_scope(sessions) as session:
            await enqueue(session, "opendata.build", {"day": day.isoformat()})
        assert await relay_once(sessions, broker, 100) == 1
        await asyncio.to_thread(broker.join, broker_queue(broker, "default"), timeout=20_000)  # type: ignore[call-arg]
        await asyncio.to_thread(worker.join)
        released = await files(sessions)
        assert len(released) == 4, attempt
        assert {row.day for row in released} == {day}
        # The second run rewrote no file (same modification times as after the first).
        times = {
            row.object_key: (settings.objects_root / row.object_key).stat().st_mtime_ns
            for row in released
        }
        assert written in ({}, times)
        written = times
    store = LocalObjectStore.from_settings(settings)
    for row in released:
        assert (await store.stat(row.object_key)).size == row.size_bytes
    async with sessions() as session:
        count = await session.execute(select(func.count()).select_from(OpenDataFile))
        assert count.scalar_one() == 4
