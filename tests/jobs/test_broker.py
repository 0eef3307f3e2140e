"""Broker construction and the readiness probe against the real RabbitMQ and Redis."""

from collections.abc import AsyncIterator

import httpx
import pika.exceptions
import pytest
import redis.exceptions
from asgi_lifespan import LifespanManager
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries
from sqlalchemy.ext.asyncio import AsyncEngine

from service.app import create_app
from service.jobs.broker import broker_ping, build_broker, setup_broker
from service.jobs.middleware import FailureRecorder
from service.kernel.wiring import Wiring
from service.settings import BrokerKind, Settings


def test_broker_kind_follows_settings(
    settings: Settings, rabbitmq_settings: Settings, redis_settings: Settings
) -> None:
    assert isinstance(build_broker(settings), StubBroker)
    assert isinstance(build_broker(rabbitmq_settings), RabbitmqBroker)
    assert isinstance(build_broker(redis_settings), RedisBroker)


def test_retries_follow_settings_and_failures_are_recorded(settings: Settings) -> None:
    broker = build_broker(settings.model_copy(update={"job_max_retries": 3}))
    retries = next(m for m in broker.middleware if isinstance(m, Retries))
    assert retries.max_retries == 3
    assert any(isinstance(m, FailureRecorder) for m in broker.middleware)


def test_every_registered_job_becomes_an_actor(settings: Settings, wiring: Wiring) -> None:
    broker = setup_broker(settings, wiring)
    assert {"audit.seal", "jobs.purge_outbox", "tests.mark_done"} <= set(broker.actors)
    assert broker.get_actor("tests.always_fails").options["max_retries"] == 1


async def test_ping_reaches_rabbitmq_and_redis(
    rabbitmq_settings: Settings, redis_settings: Settings
) -> None:
    await broker_ping(rabbitmq_settings)
    await broker_ping(redis_settings)


@pytest.mark.parametrize(
    "url", ["amqp://guest:guest@127.0.0.1:1/", "redis://127.0.0.1:1/0"], ids=["rabbitmq", "redis"]
)
async def test_ping_fails_for_a_dead_broker(settings: Settings, url: str) -> None:
    kind = BrokerKind.redis if url.startswith("redis") else BrokerKind.rabbitmq
    with pytest.raises((pika.exceptions.AMQPConnectionError, redis.exceptions.ConnectionError)):
        await broker_ping(settings.model_copy(update={"broker": kind, "broker_url": url}))


async def ready(settings: Settings, engine: AsyncEngine) -> httpx.Response:
    app = create_app(settings, engine=engine)
    async with LifespanManager(app):  # type: ignore[arg-type]
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/ready")


@pytest.fixture
async def own_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    from service.db import create_engine

    engine = create_engine(settings)
    yield engine
    await engine.dispose()


async def test_readiness_includes_the_broker(
    rabbitmq_settings: Settings, own_engine: AsyncEngine
) -> None:
    response = await ready(rabbitmq_settings, own_engine)
    assert response.json()["checks"]["broker"] == "ok"

    dead = rabbitmq_settings.model_copy(update={"broker_url": "amqp://guest:guest@127.0.0.1:1/"})
    response = await ready(dead, own_engine)
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("unavailable")
