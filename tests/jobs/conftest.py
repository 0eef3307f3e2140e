import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pika
import pytest
import redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.db import session_scope
from service.kernel.wiring import Wiring, WiringBuilder
from service.settings import BrokerKind, Settings
from tests.jobs import sample_jobs
from tests.jobs.sample_jobs import EFFECT_SCHEMA, EFFECT_TABLE, QUEUE

RABBITMQ_URL = os.environ.get("GIAMSAT_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("GIAMSAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
async def effect_table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(EFFECT_SCHEMA))
        await conn.execute(text(EFFECT_TABLE))


def with_sample_jobs(builder: WiringBuilder) -> None:
    builder.add_jobs(sample_jobs)


@pytest.fixture
def wiring(base_wiring: Wiring) -> Wiring:
    """The platform's wiring plus the test jobs (``tests.jobs.sample_jobs``)."""
    return base_wiring.extend(with_sample_jobs)


@pytest.fixture
def sessions(
    committed_engine: AsyncEngine, effect_table: None, wiring: Wiring
) -> async_sessionmaker[AsyncSession]:
    """Sessions that really commit (workers read from other connections)."""
    return wiring.sessions(committed_engine)


@pytest.fixture
def new_key() -> str:
    return f"item-{uuid.uuid4().hex[:8]}"


async def add_item(sessions: async_sessionmaker[AsyncSession], key: str) -> None:
    async with session_scope(sessions) as session:
        await session.execute(
            text("INSERT INTO jobs_test.effect (key) VALUES (:key)"), {"key": key}
        )


async def item(sessions: async_sessionmaker[AsyncSession], key: str) -> dict[str, Any]:
    async with sessions() as session:
        row = (
            await session.execute(
                text("SELECT * FROM jobs_test.effect WHERE key = :key"), {"key": key}
            )
        ).one()
    return dict(row._mapping)


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 30) -> None:
    """Wait for something another thread or process does (fails after ``within`` seconds)."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.1)


@pytest.fixture(scope="session")
def rabbitmq_settings(settings: Settings) -> Iterator[Settings]:
    """Settings for the real RabbitMQ; the test queues are deleted at the end of the run."""
    yield settings.model_copy(update={"broker": BrokerKind.rabbitmq, "broker_url": RABBITMQ_URL})
    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
    try:
        channel = connection.channel()
        queue = f"{settings.queue_namespace}.{QUEUE}"
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            channel.queue_delete(name)
    finally:
        connection.close()


@pytest.fixture(scope="session")
def redis_settings(settings: Settings) -> Iterator[Settings]:
    """Settings for the real Redis; this run's queue keys are deleted at the end."""
    yield settings.model_copy(update={"broker": BrokerKind.redis, "broker_url": REDIS_URL})
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for name in client.scan_iter(match=f"{settings.queue_namespace}:*{QUEUE}*"):
            client.delete(name)
    finally:
        client.close()


@pytest.fixture
async def stop_workers() -> AsyncIterator[list[Any]]:
    """Collects started workers and brokers; stops and closes them after the test."""
    started: list[Any] = []
    yield started
    for thing in reversed(started):
        if hasattr(thing, "stop"):
            await asyncio.to_thread(thing.stop, 10_000)
        else:
            await asyncio.to_thread(thing.close)
