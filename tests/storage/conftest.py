"""Fixtures for the storage tests: both object stores behind one parametrized fixture, an
HTTP fetcher that reaches our own signed URLs through the app and S3 URLs over the network,
and clients for apps built on other settings (S3 backend, small upload limits)."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from service.app import create_app
from service.settings import Settings
from service.storage.local import LocalObjectStore
from service.storage.store import ObjectStore

Fetch = Callable[..., Awaitable[httpx.Response]]
ClientFor = Callable[[Settings], Awaitable[httpx.AsyncClient]]


@pytest.fixture(scope="session")
async def local_store(settings: Settings) -> LocalObjectStore:
    store = LocalObjectStore.from_settings(settings)
    await store.start()
    return store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest) -> ObjectStore:
    """Each contract test runs against the filesystem and against a real S3 endpoint."""
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


@pytest.fixture
async def client_for(engine: AsyncEngine, connection: AsyncConnection) -> AsyncIterator[ClientFor]:
    """Build an app on other settings, joined to the test's rolled-back transaction."""
    async with AsyncExitStack() as stack:

        async def make(settings: Settings) -> httpx.AsyncClient:
            def sessions() -> AsyncSession:
                return AsyncSession(
                    bind=connection,
                    join_transaction_mode="create_savepoint",
                    expire_on_commit=False,
                )

            # Typed Any: Litestar's precise ASGI signature does not match asgiref's.
            app: Any = create_app(settings, engine=engine, sessions=sessions)
            await stack.enter_async_context(LifespanManager(app))
            return await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://testserver"
                )
            )

        yield make


@pytest.fixture
async def fetch(client: httpx.AsyncClient, settings: Settings) -> AsyncIterator[Fetch]:
    """Request a URL a store handed out: ours go through the app, S3's over HTTP."""
    async with httpx.AsyncClient(timeout=30) as network:

        async def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
            if url.startswith(settings.public_base_url):
                return await client.request(method, url, **kwargs)
            return await network.request(method, url, **kwargs)

        yield request
