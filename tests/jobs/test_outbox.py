"""Enqueue → outbox → relay → broker → worker → database, with dramatiq's StubBroker."""

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db import session_scope
from service.jobs.broker import broker_queue, setup_broker, start_worker
from service.jobs.models import OutboxMessage, OutboxState
from service.jobs.outbox import enqueue
from service.jobs.relay import relay_once
from service.kernel.wiring import Wiring
from service.settings import Settings
from tests.jobs.conftest import add_item, item
from tests.jobs.sample_jobs import QUEUE


async def outbox_rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.execute(select(OutboxMessage))).scalars().all())


class TestEnqueue:
    async def test_the_job_exists_only_if_the_change_commits(
        self, sessions: async_sessionmaker[AsyncSession], new_key: str
    ) -> None:
        async def failing_request() -> None:
            async with session_scope(sessions) as session:
                await session.execute(
                    text("INSERT INTO jobs_test.effect (key) VALUES (:key)"), {"key": new_key}
                )
                await enqueue(session, "tests.mark_done", {"key": new_key})
                raise RuntimeError("the request failed")

        with pytest.raises(RuntimeError):
            await failing_request()
        assert await outbox_rows(sessions) == []

    async def test_row_records_job_queue_and_payload(
        self, session: AsyncSession, new_key: str
    ) -> None:
        await enqueue(session, "tests.mark_done", {"key": new_key})
        row = (await session.execute(select(OutboxMessage))).scalar_one()
        assert (row.job_name, row.queue, row.payload) == (
            "tests.mark_done",
            QUEUE,
            {"key": new_key},
        )
        assert (row.state, row.attempts) == (OutboxState.pending, 0)

    async def test_same_dedupe_key_is_enqueued_once(self, session: AsyncSession) -> None:
        for _ in range(3):
            await enqueue(session, "tests.mark_done", {"key": "a"}, dedupe_key="once")
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
        assert len(rows) == 1

    async def test_unknown_job_is_refused(self, session: AsyncSession) -> None:
        with pytest.raises(ValueError, match="unknown job"):
            await enqueue(session, "tests.no_such_job", {})

    async def test_uuids_in_the_payload_become_strings(self, session: AsyncSession) -> None:
        import uuid

        value = uuid.uuid4()
        await enqueue(session, "tests.mark_done", {"key": value})
        row = (await session.execute(select(OutboxMessage))).scalar_one()
        assert row.payload == {"key": str(value)}


class TestRelayAndWorker:
    async def test_job_runs_and_changes_the_database(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        stop_workers: list[Any],
        new_key: str,
        wiring: Wiring,
    ) -> None:
        broker = setup_broker(settings, wiring)
        await add_item(sessions, new_key)
        async with session_scope(sessions) as session:
            await enqueue(session, "tests.mark_done", {"key": new_key})

        assert await relay_once(sessions, broker, 100) == 1
        assert broker.queues[broker_queue(broker, QUEUE)].qsize() == 1  # type: ignore[attr-defined]
        [row] = await outbox_rows(sessions)
        assert row.state == OutboxState.sent
        assert row.sent_at is not None

        worker = start_worker(broker, threads=2, queues={QUEUE})
        stop_workers.append(worker)
        await asyncio.to_thread(broker.join, broker_queue(broker, QUEUE), timeout=20_000)  # type: ignore[call-arg]
        await asyncio.to_thread(worker.join)

        assert await item(sessions, new_key) == {
            "key": new_key,
            "state": "done",
            "deliveries": 1,
            "effects": 1,
        }

    async def test_a_sent_row_is_not_published_again(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        new_key: str,
        wiring: Wiring,
    ) -> None:
        broker = setup_broker(settings, wiring)
        async with session_scope(sessions) as session:
            await enqueue(session, "tests.mark_done", {"key": new_key})
        assert await relay_once(sessions, broker, 100) == 1
        assert await relay_once(sessions, broker, 100) == 0
        assert broker.queues[broker_queue(broker, QUEUE)].qsize() == 1  # type: ignore[attr-defined]

    async def test_delayed_job_waits_until_due(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        new_key: str,
        wiring: Wiring,
    ) -> None:
        broker = setup_broker(settings, wiring)
        async with session_scope(sessions) as session:
            await enqueue(session, "tests.mark_done", {"key": new_key}, delay=3600)
        assert await relay_once(sessions, broker, 100) == 0
        [row] = await outbox_rows(sessions)
        assert row.state == OutboxState.pending

    async def test_batches_publish_in_order_and_respect_the_batch_size(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        wiring: Wiring,
    ) -> None:
        broker = setup_broker(settings, wiring)
        async with session_scope(sessions) as session:
            for number in range(5):
                await enqueue(session, "tests.mark_done", {"key": f"k{number}"})
        assert await relay_once(sessions, broker, 3) == 3
        assert await relay_once(sessions, broker, 3) == 2
        assert all(row.state == OutboxState.sent for row in await outbox_rows(sessions))

    async def test_concurrent_relays_publish_each_row_once(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        wiring: Wiring,
    ) -> None:
        broker = setup_broker(settings, wiring)
        async with session_scope(sessions) as session:
            for number in range(40):
                await enqueue(session, "tests.mark_done", {"key": f"k{number}"})
        sent = await asyncio.gather(*(relay_once(sessions, broker, 5) for _ in range(4)))
        while (more := await relay_once(sessions, broker, 5)) > 0:
            sent.append(more)
        assert sum(sent) == 40
        assert broker.queues[broker_queue(broker, QUEUE)].qsize() == 40  # type: ignore[attr-defined]
