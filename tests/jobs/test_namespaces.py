"""Two deployments on one RabbitMQ vhost or one Redis database (real brokers): each worker
consumes only its own namespace's queues (GIAMSAT_QUEUE_NAMESPACE)."""

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pika
import pytest
import redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db import session_scope
from service.jobs.broker import setup_broker, start_worker
from service.jobs.outbox import enqueue
from service.jobs.relay import relay_once
from service.kernel.wiring import Wiring
from service.settings import Settings
from tests.jobs.conftest import RABBITMQ_URL, REDIS_URL, add_item, eventually, item
from tests.jobs.sample_jobs import QUEUE


@pytest.fixture(params=["rabbitmq", "redis"])
def deployments(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[Settings, Settings]]:
    """Two deployments' settings on the same broker, namespaces of this test's own."""
    shared: Settings = request.getfixturevalue(f"{request.param}_settings")
    tag = uuid.uuid4().hex[:8]
    first, second = (
        shared.model_copy(update={"queue_namespace": f"{name}-{tag}"})
        for name in ("first", "second")
    )
    yield first, second
    for namespace in (first.queue_namespace, second.queue_namespace):
        if request.param == "redis":
            client = redis.Redis.from_url(REDIS_URL)
            try:
                for key in client.scan_iter(match=f"{namespace}:*"):
                    client.delete(key)
            finally:
                client.close()
        else:
            connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
            try:
                channel = connection.channel()
                for name in _declared.pop(namespace, set()):
                    channel.queue_delete(name)
            finally:
                connection.close()


_declared: dict[str, set[str]] = {}


def _remember(settings: Settings, broker: Any) -> None:
    queues = set(broker.get_declared_queues())
    names = {q for queue in queues for q in (queue, f"{queue}.DQ", f"{queue}.XQ")}
    _declared.setdefault(settings.queue_namespace, set()).update(names)


async def test_a_deployment_never_takes_another_deployments_jobs(
    deployments: tuple[Settings, Settings],
    sessions: async_sessionmaker[AsyncSession],
    stop_workers: list[Any],
    new_key: str,
    wiring: Wiring,
) -> None:
    first, second = deployments
    first_broker = setup_broker(first, wiring)
    stop_workers.append(first_broker)
    second_broker = setup_broker(second, wiring)
    stop_workers.append(second_broker)
    # The second deployment's worker consumes every queue it declares, as `giamsat worker` does.
    stop_workers.append(start_worker(second_broker, threads=2))
    _remember(second, second_broker)

    await add_item(sessions, new_key)
    async with session_scope(sessions) as session:
        await enqueue(session, "tests.mark_done", {"key": new_key})
    assert await relay_once(sessions, first_broker, 100) == 1
    _remember(first, first_broker)

    await asyncio.sleep(3)
    assert (await item(sessions, new_key))["deliveries"] == 0

    stop_workers.append(start_worker(first_broker, threads=2, queues={QUEUE}))

    async def done() -> bool:
        return (await item(sessions, new_key))["state"] == "done"

    await eventually(done)
    assert (await item(sessions, new_key))["deliveries"] == 1
