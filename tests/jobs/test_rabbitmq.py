"""Real brokers: outbox → relay → RabbitMQ (127.0.0.1:5672) or Redis → worker thread → database.

Each run uses its own queue (``sample_jobs.QUEUE``), consumed only by this run's worker and
deleted at the end, so concurrent runs on the same RabbitMQ do not interfere.
"""

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db import session_scope
from service.jobs.broker import build_broker, setup_broker, start_worker
from service.jobs.models import OutboxMessage, OutboxState
from service.jobs.outbox import enqueue
from service.jobs.relay import outbox_message, relay_once
from service.kernel.wiring import Wiring
from service.settings import BrokerKind, Settings
from tests.jobs.conftest import add_item, eventually, item
from tests.jobs.sample_jobs import QUEUE

DEAD_BROKER_URL = "amqp://guest:guest@127.0.0.1:1/"


async def outbox_row(sessions: async_sessionmaker[AsyncSession]) -> OutboxMessage:
    async with sessions() as session:
        return (await session.execute(select(OutboxMessage))).scalar_one()


@pytest.mark.parametrize("broker_kind", ["rabbitmq", "redis"])
async def test_job_travels_through_the_broker_to_the_database(
    broker_kind: str,
    request: pytest.FixtureRequest,
    sessions: async_sessionmaker[AsyncSession],
    stop_workers: list[Any],
    new_key: str,
    wiring: Wiring,
) -> None:
    broker = setup_broker(request.getfixturevalue(f"{broker_kind}_settings"), wiring)
    stop_workers.append(broker)
    stop_workers.append(start_worker(broker, threads=2, queues={QUEUE}))

    await add_item(sessions, new_key)
    async with session_scope(sessions) as session:
        await enqueue(session, "tests.mark_done", {"key": new_key})
    assert await relay_once(sessions, broker, 100) == 1

    async def done() -> bool:
        return (await item(sessions, new_key))["state"] == "done"

    await eventually(done)
    row = await outbox_row(sessions)
    assert row.state == OutboxState.sent

    # The same outbox row delivered a second time (a relay that crashed before marking it
    # sent would publish it again): the job runs again and changes nothing.
    broker.enqueue(outbox_message(broker, row.id or 0, row.job_name, row.queue, row.payload))

    async def delivered_twice() -> bool:
        return (await item(sessions, new_key))["deliveries"] == 2

    await eventually(delivered_twice)
    assert (await item(sessions, new_key))["effects"] == 1


async def test_nothing_is_lost_while_the_broker_is_down(
    rabbitmq_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    stop_workers: list[Any],
    new_key: str,
    wiring: Wiring,
) -> None:
    dead_broker = build_broker(
        rabbitmq_settings.model_copy(
            update={"broker": BrokerKind.rabbitmq, "broker_url": DEAD_BROKER_URL}
        )
    )
    stop_workers.append(dead_broker)

    # The request that makes the change still succeeds: the job is only an outbox row.
    await add_item(sessions, new_key)
    async with session_scope(sessions) as session:
        await enqueue(session, "tests.mark_done", {"key": new_key})

    assert await relay_once(sessions, dead_broker, 100) == 0
    row = await outbox_row(sessions)
    assert row.state == OutboxState.pending
    assert row.attempts == 1
    assert row.last_error
    assert "Connection" in row.last_error
    assert row.available_at > row.created_at  # backing off before the next attempt
    assert (await item(sessions, new_key))["state"] == "new"

    # The broker is back.
    broker = setup_broker(rabbitmq_settings, wiring)
    stop_workers.append(broker)
    stop_workers.append(start_worker(broker, threads=2, queues={QUEUE}))
    sent = 0

    async def relayed() -> bool:
        nonlocal sent
        sent += await relay_once(sessions, broker, 100)
        return sent > 0

    await eventually(relayed)

    async def done() -> bool:
        return (await item(sessions, new_key))["state"] == "done"

    await eventually(done)
    assert sent == 1
    row = await outbox_row(sessions)
    assert (row.state, row.attempts) == (OutboxState.sent, 1)
    assert (await item(sessions, new_key))["effects"] == 1
