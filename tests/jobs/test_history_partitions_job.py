"""The worker's daily ``jobs.ensure_history_partitions`` creates the history tables' missing
year partitions (migration 0230), through the outbox, the relay and a real worker thread."""

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db import session_scope
from service.jobs.broker import broker_queue, setup_broker, start_worker
from service.jobs.outbox import enqueue
from service.jobs.relay import relay_once
from service.kernel.wiring import Wiring
from service.settings import Settings

TABLES = ("petition_event", "referral_history")


async def next_years_partitions(sessions: async_sessionmaker[AsyncSession]) -> set[str]:
    async with session_scope(sessions) as session:
        rows = await session.execute(
            text(
                "SELECT c.relname FROM pg_class c"
                " WHERE c.relnamespace = 'partitions'::regnamespace AND c.relname = ANY(:names)"
            ),
            {"names": [f"{table}_y{await next_year(session)}" for table in TABLES]},
        )
        return set(rows.scalars())


async def next_year(session: AsyncSession) -> int:
    year = await session.execute(
        text("SELECT extract(year FROM now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::int + 1")
    )
    return int(year.scalar_one())


async def test_the_job_creates_next_years_partitions(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    stop_workers: list[Any],
    wiring: Wiring,
) -> None:
    async with session_scope(sessions) as session:
        year = await next_year(session)
        for table in TABLES:  # empty: nothing is filed next year yet
            await session.execute(text(f"DROP TABLE partitions.{table}_y{year}"))
    try:
        assert await next_years_partitions(sessions) == set()
        broker = setup_broker(settings, wiring)
        async with session_scope(sessions) as session:
            await enqueue(session, "jobs.ensure_history_partitions", {})
        assert await relay_once(sessions, broker, 100) == 1

        worker = start_worker(broker, threads=1, queues={"default"})
        stop_workers.append(worker)
        await asyncio.to_thread(broker.join, broker_queue(broker, "default"), timeout=20_000)  # type: ignore[call-arg]
        await asyncio.to_thread(worker.join)

        assert await next_years_partitions(sessions) == {f"{t}_y{year}" for t in TABLES}
    finally:
        async with session_scope(sessions) as session:
            await session.execute(text("SELECT history_ensure_partitions()"))
