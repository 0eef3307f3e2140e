"""Apps wired to the real Redis (GIAMSAT_TEST_REDIS_URL, default 127.0.0.1:6379 db 0), each
test under a key namespace of its own, and several app instances sharing it: replicas."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from service.app import create_app
from service.settings import Settings

REDIS_URL = os.environ.get("GIAMSAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_settings(settings: Settings, **overrides: Any) -> Settings:
    """``settings`` with Redis and a namespace no other test (or run) uses."""
    namespace = f"test-{os.getpid()}-{uuid.uuid4().hex[:10]}"
    return settings.model_copy(
        update={"redis_url": REDIS_URL, "queue_namespace": namespace, **overrides}
    )


async def delete_namespace(namespace: str) -> None:
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{namespace}:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


@asynccontextmanager
async def replicas(
    settings: Settings,
    engine: AsyncEngine,
    connection: AsyncConnection,
    count: int = 2,
    *,
    client_address: str | Sequence[str] = "127.0.0.1",
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """``count`` separate app instances (separate counters objects, one Redis) whose requests
    join the test's transaction; client i connects from ``client_address`` (or its i-th)."""
    addresses = [client_address] * count if isinstance(client_address, str) else client_address

    def sessions() -> AsyncSession:
        return AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

    async with AsyncExitStack() as stack:
        clients = []
        for address in addresses:
            app = create_app(settings, engine=engine, sessions=sessions)
            await stack.enter_async_context(LifespanManager(app))
            transport = httpx.ASGITransport(app=app, client=(address, 40000))
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url="http://testserver")
                )
            )
        try:
            yield clients
        finally:
            await delete_namespace(settings.queue_namespace)
